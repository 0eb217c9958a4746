-- A cohort's stage counts never grow down the funnel: signups >= MQL >= SQL >= opportunity
-- >= won (stages are monotone per person, so a larger later stage is a modelling bug).
select
    signup_month,
    first_channel,
    signups,
    reached_mql,
    reached_sql,
    reached_opportunity,
    won,
    paying,
from {{ ref('fct_funnel_cohorts') }}
where
    reached_mql > signups
    or reached_sql > reached_mql
    or reached_opportunity > reached_sql
    or won > reached_opportunity
    or paying > signups
