{#-
    One row per NPS survey response (event stream `nps_survey_submitted`) with a valid score
    (0-10), its respondent resolved to a customer_uid (by user_id, else by anonymous_id) and its
    NPS category: promoter (score ≥ var nps_promoter_min_score, 9), detractor (score ≤ var
    nps_detractor_max_score, 6), passive between. respondent_key is the customer_uid, or the
    response itself when no identifier resolves, so an unknown respondent is never merged with
    another.
-#}
{%- set promoter_min = var('nps_promoter_min_score', 9) -%}
{%- set detractor_max = var('nps_detractor_max_score', 6) -%}
with

responses as (

    select
        message_id,
        trim(user_id) as user_id,
        trim(anonymous_id) as anonymous_id,
        score,
        occurred_at,
    from {{ ref('stg_events__nps_survey_submitted') }}
    where score between 0 and 10

),

identities as (

    select
        identifier_type,
        identifier,
        customer_uid,
    from {{ ref('int_identity__customer_map') }}
    where identifier_type in ('user_id', 'anonymous_id')

),

resolved as (

    select
        responses.message_id as nps_response_id,
        coalesce(by_user.customer_uid, by_device.customer_uid) as customer_uid,
        responses.user_id,
        responses.anonymous_id,
        responses.score,
        responses.occurred_at,
    from responses
    left join identities as by_user
        on
            by_user.identifier_type = 'user_id'
            and responses.user_id = by_user.identifier
    left join identities as by_device
        on
            by_device.identifier_type = 'anonymous_id'
            and responses.anonymous_id = by_device.identifier

),

final as (

    select
        nps_response_id,
        customer_uid,
        coalesce(customer_uid, 'response:' || nps_response_id) as respondent_key,
        user_id,
        anonymous_id,
        score,
        case
            when score >= {{ promoter_min }} then 'promoter'
            when score <= {{ detractor_max }} then 'detractor'
            else 'passive'
        end as nps_category,
        occurred_at,
    from resolved

)

select * from final
