-- CSAT is a share (0-1) and NPS a score (-100..100); the ratings and NPS categories add up, and
-- every rating in the mart is a rated ticket of int_support__tickets. Rows returned fail.
with

monthly as (

    select * from {{ ref('fct_support_satisfaction_monthly') }}

),

ratings as (

    select count(*) as rated_tickets,
    from {{ ref('int_support__tickets') }}
    where satisfaction_rating is not null

),

month_totals as (

    select sum(csat_good + csat_bad) as rated_in_months,
    from monthly

)

select
    cast(monthly.month_start as {{ dbt.type_string() }}) as failing_month,
    'out of range or categories do not add up' as reason,
from monthly
where
    monthly.csat < 0 or monthly.csat > 1
    or monthly.nps < -100 or monthly.nps > 100
    or monthly.nps_promoters + monthly.nps_passives + monthly.nps_detractors
    != monthly.nps_responses

union all

select
    'all months' as failing_month,
    'ratings in the mart differ from rated tickets' as reason,
from ratings
cross join month_totals
where ratings.rated_tickets != month_totals.rated_in_months
