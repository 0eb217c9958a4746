{#-
    Signup cohorts: one row per signup month × first channel (the channel of the person's
    first web session; 'unknown' when no session is known, so no signup is dropped), with how
    many of the cohort's signups went on to reach MQL, SQL, opportunity, a won deal and a first
    paid invoice, the conversion rates (÷ signups) and the median days from signup to each
    stage among those who reached it. Signups are accounts (int_growth__signups); their
    stages are their person's, reached at any time (a person's second account can sign up
    after they already paid, so a median can be negative).
-#}
with

signups as (
    select * from {{ ref('int_growth__signups') }}
),

funnel as (
    select * from {{ ref('int_growth__customer_funnel') }}
),

signup_stages as (
    select
        cast({{ dbt.date_trunc('month', 'signups.signed_up_at') }} as date) as signup_month,
        coalesce(funnel.first_channel, 'unknown') as first_channel,
        signups.signed_up_at,
        funnel.mql_at,
        funnel.sql_at,
        funnel.opportunity_at,
        funnel.won_at,
        funnel.first_paid_at,
    from signups
    left join funnel
        on signups.customer_uid = funnel.customer_uid
),

days_to_stage as (
    select
        signup_month,
        first_channel,
        mql_at,
        sql_at,
        opportunity_at,
        won_at,
        first_paid_at,
        {{ dbt.datediff('signed_up_at', 'mql_at', 'second') }}
        / 86400.0 as days_to_mql,
        {{ dbt.datediff('signed_up_at', 'sql_at', 'second') }}
        / 86400.0 as days_to_sql,
        {{ dbt.datediff('signed_up_at', 'opportunity_at', 'second') }}
        / 86400.0 as days_to_opportunity,
        {{ dbt.datediff('signed_up_at', 'won_at', 'second') }}
        / 86400.0 as days_to_won,
        {{ dbt.datediff('signed_up_at', 'first_paid_at', 'second') }}
        / 86400.0 as days_to_paying,
    from signup_stages
),

cohorts as (
    select
        signup_month,
        first_channel,
        count(*) as signups,
        count(mql_at) as reached_mql,
        count(sql_at) as reached_sql,
        count(opportunity_at) as reached_opportunity,
        count(won_at) as won,
        count(first_paid_at) as paying,
        percentile_cont(0.5) within group (order by days_to_mql) as median_days_to_mql,
        percentile_cont(0.5) within group (order by days_to_sql) as median_days_to_sql,
        percentile_cont(0.5) within group (
            order by days_to_opportunity
        ) as median_days_to_opportunity,
        percentile_cont(0.5) within group (order by days_to_won) as median_days_to_won,
        percentile_cont(0.5) within group (order by days_to_paying) as median_days_to_paying,
    from days_to_stage
    group by signup_month, first_channel
),

final as (
    select
        signup_month,
        first_channel,
        signups,
        reached_mql,
        reached_sql,
        reached_opportunity,
        won,
        paying,
        cast(reached_mql as double) / signups as mql_rate,
        cast(reached_sql as double) / signups as sql_rate,
        cast(reached_opportunity as double) / signups as opportunity_rate,
        cast(won as double) / signups as won_rate,
        cast(paying as double) / signups as paying_rate,
        cast(median_days_to_mql as double) as median_days_to_mql,
        cast(median_days_to_sql as double) as median_days_to_sql,
        cast(median_days_to_opportunity as double) as median_days_to_opportunity,
        cast(median_days_to_won as double) as median_days_to_won,
        cast(median_days_to_paying as double) as median_days_to_paying,
    from cohorts
)

select * from final
