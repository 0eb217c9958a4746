{#-
    The members of Braze audience eu_signups_last_5_days (a mirror: a user joins when they
    appear here and leaves when they drop out): Braze users (sync_braze__users, so every member
    exists in Braze) who signed up in the last var eu_recent_signup_days (5) days, the as-of day
    included, and whose country is in the European Union (seed eu_countries).

    - The window is whole days: from the start of the day N-1 days before the as-of day to the
      end of the as-of day (int_calendar__days), so the audience changes once a day and a
      signup later than the as-of day (a warehouse pinned to var as_of_date) is not in it yet.
    - Country: the account's profile country in the product (Firestore, ISO 3166-1 alpha-2),
      what the user told the app; an account without one is not in the audience. It is the
      person's, not their company's (an EU employee of a US company is in the EU) nor the IP's.
-#}

{%- set days = var('eu_recent_signup_days') %}

with

as_of as (
    select
        {{ dbt.dateadd('day', 1 - days, 'date_day') }} as window_starts_at,
        {{ dbt.dateadd('day', 1, 'date_day') }} as window_ends_at,
    from {{ ref('int_calendar__days') }}
    where is_as_of_day
),

users as (
    select
        external_id,
        signed_up_at,
    from {{ ref('sync_braze__users') }}
),

countries as (
    select
        user_id,
        upper(trim(country)) as country_code,
    from {{ ref('stg_firestore__users') }}
),

eu_countries as (
    select country_code from {{ ref('eu_countries') }}
)

select cast(users.external_id as varchar) as external_id
from users
cross join as_of
inner join countries
    on users.external_id = countries.user_id
inner join eu_countries
    on countries.country_code = eu_countries.country_code
where
    users.signed_up_at >= as_of.window_starts_at
    and users.signed_up_at < as_of.window_ends_at
