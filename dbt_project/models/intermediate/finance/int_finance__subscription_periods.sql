{{ config(materialized='table') }}
{#-
    What each subscription item billed, and when: one row per stretch in which an item's price
    and quantity stayed the same while its subscription was billing, with its MRR.

    A stretch starts at a change point: the period start of every invoice line that bills the
    item (the billing truth: Stripe invoices each period at the quantity then in force) and the
    valid_from of every subscription version (the only place a mid-period seat change shows
    before the next invoice; a subscription's quantity is its single item's). The latest point
    wins until the next one. The subscription bills from its start (or trial end) to its end
    (ended_at; canceled_at when a canceled subscription has none); incomplete subscriptions
    never bill. MRR = unit_amount × quantity ÷ the price's interval in months, rounded to the
    cent; metered and one-time prices carry no MRR and are left out.
-#}
with

subscriptions as (

    select * from {{ ref('stg_stripe__subscription') }}

),

subscription_versions as (

    select * from {{ ref('stg_stripe__subscription_history') }}

),

subscription_items as (

    select * from {{ ref('stg_stripe__subscription_item') }}

),

invoices as (

    select * from {{ ref('stg_stripe__invoice') }}

),

invoice_line_items as (

    select * from {{ ref('stg_stripe__invoice_line_item') }}

),

prices as (

    select * from {{ ref('int_finance__prices') }}

),

billing_windows as (

    select
        subscription_id,
        customer_id,
        case
            when trial_end > started_at then trial_end else started_at
        end as billing_start_at,
        case
            when status in ('incomplete', 'incomplete_expired') then started_at
            else coalesce(ended_at, case when status = 'canceled' then canceled_at end)
        end as billing_end_at,
    from subscriptions

),

-- A subscription version's quantity belongs to an item only when the subscription has one.
single_items as (

    select
        subscription_id,
        min(subscription_item_id) as subscription_item_id,
        min(price_id) as price_id,
    from subscription_items
    group by subscription_id
    having count(*) = 1

),

invoice_points as (

    select
        invoice_line_items.subscription_item_id,
        coalesce(invoice_line_items.subscription_id, invoices.subscription_id)
            as subscription_id,
        invoice_line_items.price_id,
        invoice_line_items.quantity,
        invoice_line_items.period_start as changed_at,
        'invoice_line' as change_source,
        2 as source_rank,
    from invoice_line_items
    inner join invoices
        on invoice_line_items.invoice_id = invoices.invoice_id
    where
        invoice_line_items.line_type = 'subscription'
        and not invoice_line_items.is_proration
        and invoice_line_items.subscription_item_id is not null
        and invoices.status not in ('draft', 'void')
        and not invoices.is_deleted

),

version_points as (

    select
        single_items.subscription_item_id,
        subscription_versions.subscription_id,
        single_items.price_id,
        subscription_versions.quantity,
        subscription_versions.valid_from as changed_at,
        'subscription_version' as change_source,
        1 as source_rank,
    from subscription_versions
    inner join single_items
        on subscription_versions.subscription_id = single_items.subscription_id
    where subscription_versions.quantity is not null

),

points as (

    select * from invoice_points
    union all
    select * from version_points

),

-- One point per item and instant (a version wins a tie: it is the later word), inside the
-- subscription's billing window.
windowed_points as (

    select
        points.subscription_item_id,
        points.subscription_id,
        billing_windows.customer_id,
        points.price_id,
        points.quantity,
        points.changed_at,
        points.change_source,
        billing_windows.billing_start_at,
        billing_windows.billing_end_at,
    from points
    inner join billing_windows
        on points.subscription_id = billing_windows.subscription_id
    where
        points.changed_at < billing_windows.billing_end_at
        or billing_windows.billing_end_at is null
    qualify row_number() over (
        partition by points.subscription_item_id, points.changed_at
        order by points.source_rank
    ) = 1

),

-- Keep the points that change something (gaps and islands on price and quantity).
changes as (

    select
        *,
        row_number() over (
            partition by subscription_item_id order by changed_at
        ) as point_number,
    from windowed_points
    qualify
        coalesce(
            lag(price_id) over (partition by subscription_item_id order by changed_at)
            <> price_id
            or lag(quantity) over (partition by subscription_item_id order by changed_at)
            <> quantity,
            true
        )

),

periods as (

    select
        subscription_item_id,
        subscription_id,
        customer_id,
        price_id,
        quantity,
        change_source,
        case
            when point_number = 1 or changed_at < billing_start_at then billing_start_at
            else changed_at
        end as valid_from,
        coalesce(
            lead(changed_at) over (partition by subscription_item_id order by changed_at),
            billing_end_at
        ) as valid_to,
    from changes

)

select
    {{ surrogate_key(['periods.subscription_item_id', 'periods.valid_from']) }}
        as subscription_period_id,
    periods.subscription_item_id,
    periods.subscription_id,
    periods.customer_id,
    periods.price_id,
    prices.product_id,
    prices.product_name,
    prices.currency,
    cast(periods.quantity as bigint) as quantity,
    cast(prices.unit_amount as decimal(18, 2)) as unit_amount,
    prices.recurring_interval,
    prices.recurring_interval_count,
    prices.interval_months,
    cast(
        round(prices.unit_amount * periods.quantity / prices.interval_months, 2)
        as decimal(18, 2)
    ) as mrr,
    periods.valid_from,
    periods.valid_to,
    periods.change_source,
from periods
inner join prices
    on periods.price_id = prices.price_id
where
    (periods.valid_to > periods.valid_from or periods.valid_to is null)
    and prices.interval_months is not null
    and coalesce(prices.recurring_usage_type, 'licensed') = 'licensed'
