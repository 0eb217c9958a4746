{{ config(materialized='table') }}
{#-
    Support and satisfaction per calendar month: tickets created and solved; the CSAT survey —
    offered (dated by the first offer), good and bad (each ticket's latest rating, dated by when
    it was given) and CSAT = good ÷ (good + bad), so a survey offered and never answered is not
    in the denominator; and NPS from the survey events — each respondent's latest response in
    the month, NPS = 100 × (promoters − detractors) ÷ responses (−100..100). Every month of the
    calendar has a row (zeros; CSAT and NPS null when nobody answered).
-#}
with

months as (

    select distinct month_start from {{ ref('int_calendar__days') }}

),

tickets as (

    select
        created_at,
        solved_at,
        satisfaction_offered_at,
        satisfaction_rating,
        satisfaction_rated_at,
    from {{ ref('int_support__tickets') }}

),

created as (

    select
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as month_start,
        count(*) as tickets_created,
    from tickets
    group by month_start

),

solved as (

    select
        cast({{ dbt.date_trunc('month', 'solved_at') }} as date) as month_start,
        count(*) as tickets_solved,
    from tickets
    where solved_at is not null
    group by month_start

),

offered as (

    select
        cast({{ dbt.date_trunc('month', 'satisfaction_offered_at') }} as date) as month_start,
        count(*) as csat_offered,
    from tickets
    where satisfaction_offered_at is not null
    group by month_start

),

rated as (

    select
        cast({{ dbt.date_trunc('month', 'satisfaction_rated_at') }} as date) as month_start,
        count(case when satisfaction_rating = 'good' then 1 end) as csat_good,
        count(case when satisfaction_rating = 'bad' then 1 end) as csat_bad,
    from tickets
    where satisfaction_rated_at is not null
    group by month_start

),

nps_responses as (

    select
        cast({{ dbt.date_trunc('month', 'occurred_at') }} as date) as month_start,
        respondent_key,
        nps_category,
    from {{ ref('int_support__nps_responses') }}
    qualify row_number() over (
        partition by respondent_key, cast({{ dbt.date_trunc('month', 'occurred_at') }} as date)
        order by occurred_at desc, nps_response_id desc
    ) = 1

),

nps as (

    select
        month_start,
        count(*) as nps_responses,
        count(case when nps_category = 'promoter' then 1 end) as nps_promoters,
        count(case when nps_category = 'passive' then 1 end) as nps_passives,
        count(case when nps_category = 'detractor' then 1 end) as nps_detractors,
    from nps_responses
    group by month_start

),

final as (

    select
        months.month_start,
        coalesce(created.tickets_created, 0) as tickets_created,
        coalesce(solved.tickets_solved, 0) as tickets_solved,
        coalesce(offered.csat_offered, 0) as csat_offered,
        coalesce(rated.csat_good, 0) as csat_good,
        coalesce(rated.csat_bad, 0) as csat_bad,
        cast(rated.csat_good as double)
        / nullif(rated.csat_good + rated.csat_bad, 0) as csat,
        coalesce(nps.nps_responses, 0) as nps_responses,
        coalesce(nps.nps_promoters, 0) as nps_promoters,
        coalesce(nps.nps_passives, 0) as nps_passives,
        coalesce(nps.nps_detractors, 0) as nps_detractors,
        100 * cast(nps.nps_promoters - nps.nps_detractors as double)
        / nullif(nps.nps_responses, 0) as nps,
    from months
    left join created
        on months.month_start = created.month_start
    left join solved
        on months.month_start = solved.month_start
    left join offered
        on months.month_start = offered.month_start
    left join rated
        on months.month_start = rated.month_start
    left join nps
        on months.month_start = nps.month_start

)

select * from final
