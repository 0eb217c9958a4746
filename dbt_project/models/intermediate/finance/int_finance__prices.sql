{#-
    Every Stripe price with its interval in months, so a subscription item's MRR is
    unit_amount × quantity ÷ interval_months: a monthly price ÷ interval_count, a yearly one
    ÷ (12 × interval_count), a weekly one ÷ (12/52 × count), a daily one ÷ (12/365 × count).
    One-time prices have no interval (null) and never count as MRR.
-#}
with

prices as (

    select * from {{ ref('stg_stripe__price') }}

),

products as (

    select * from {{ ref('stg_stripe__product') }}

),

normalised as (

    select
        prices.price_id,
        prices.product_id,
        products.product_name,
        prices.nickname,
        prices.currency,
        prices.unit_amount,
        prices.price_type,
        prices.recurring_interval,
        prices.recurring_interval_count,
        prices.recurring_usage_type,
        case prices.recurring_interval
            when 'day' then prices.recurring_interval_count * 12.0 / 365
            when 'week' then prices.recurring_interval_count * 12.0 / 52
            when 'month' then prices.recurring_interval_count * 1.0
            when 'year' then prices.recurring_interval_count * 12.0
        end as interval_months,
    from prices
    left join products
        on prices.product_id = products.product_id

)

select
    price_id,
    product_id,
    product_name,
    nickname,
    currency,
    unit_amount,
    price_type,
    recurring_interval,
    recurring_interval_count,
    recurring_usage_type,
    cast(interval_months as double) as interval_months,
    cast(unit_amount / interval_months as decimal(18, 6)) as monthly_unit_amount,
from normalised
