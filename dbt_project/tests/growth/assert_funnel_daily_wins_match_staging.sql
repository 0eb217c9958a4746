-- The funnel's wins are the deals staging shows in a closed-won stage of their pipeline,
-- and their amount: sum(deals_won) and sum(won_amount) over every day.
with

daily as (
    select
        sum(deals_won) as deals_won,
        sum(won_amount) as won_amount,
    from {{ ref('fct_funnel_daily') }}
),

won_deals as (
    select
        count(*) as deals_won,
        cast(coalesce(sum(deals.amount), 0) as decimal(18, 2)) as won_amount,
    from {{ ref('stg_hubspot__deal') }} as deals
    inner join {{ ref('stg_hubspot__deal_pipeline_stage') }} as pipeline_stages
        on
            deals.deal_stage = pipeline_stages.deal_stage
            and deals.pipeline_id = pipeline_stages.pipeline_id
    where pipeline_stages.is_closed_won
)

select
    daily.deals_won as daily_deals_won,
    won_deals.deals_won as staging_deals_won,
    daily.won_amount as daily_won_amount,
    won_deals.won_amount as staging_won_amount,
from daily
cross join won_deals
where
    daily.deals_won != won_deals.deals_won
    or daily.won_amount != won_deals.won_amount
