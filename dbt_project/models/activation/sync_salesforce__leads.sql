{#-
    What the Salesforce leads sync upserts (on the external id Roundtrip_Id__c): the people of
    the HubSpot sync (a HubSpot contact, or scored, with an email), keyed by their
    customer_uid, so a lead keeps its identity when its email changes.

    Salesforce refuses a Lead without LastName or Company:
    - a person with no known last name (neither their HubSpot contact nor their product
      account has one) is left out: a lead named after nobody cannot be worked;
    - a person whose company is unknown (a personal email, no HubSpot company) gets
      var salesforce_unknown_company ('[not provided]', what HubSpot's own Salesforce
      connector writes), rather than being dropped: product-led signups with a personal email
      are leads too, and an email domain such as gmail.com is no company to convert into.
-#}

with

people as (
    select * from {{ ref('int_activation__people') }}
    where
        (is_hubspot_contact or is_scored)
        and last_name is not null
)

select
    cast(customer_uid as varchar) as roundtrip_id,
    cast(email as varchar) as email,
    cast(first_name as varchar) as first_name,
    cast(last_name as varchar) as last_name,
    cast(
        coalesce(company_name, '{{ var("salesforce_unknown_company") }}') as varchar
    ) as company,
    cast(lead_score as double) as lead_score,
    cast(lead_score_decile as integer) as lead_score_decile,
    cast(is_mql as boolean) as is_mql,
    cast(gclid as varchar) as gclid,
    cast(industry as varchar) as industry,
    cast(lifetime_value as decimal(18, 2)) as lifetime_value,
from people
