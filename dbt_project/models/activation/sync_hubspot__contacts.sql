{#-
    What the HubSpot contacts sync upserts (by email): every person HubSpot already knows (a
    contact) or the lead-scoring model scored, who has an email, one row per email. Emails are
    lower case and trimmed (dim_customers), the way HubSpot matches them.

    An email belongs to one person in the identity map, so two rows cannot share one; should
    identity ever break that, the person HubSpot knows wins, then the lowest customer_uid.
-#}

with

people as (
    select * from {{ ref('int_activation__people') }}
    where is_hubspot_contact or is_scored
),

one_per_email as (
    select * from people
    qualify row_number() over (
        partition by email
        order by is_hubspot_contact desc, customer_uid asc
    ) = 1
)

select
    cast(email as varchar) as email,
    cast(lead_score as double) as lead_score,
    cast(lead_score_decile as integer) as lead_score_decile,
    cast(is_mql as boolean) as is_mql,
    cast(gclid as varchar) as gclid,
    cast(industry as varchar) as industry,
    cast(lifetime_value as decimal(18, 2)) as lifetime_value,
from one_per_email
