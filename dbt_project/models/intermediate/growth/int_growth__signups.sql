{#-
    One row per product account that signed up (user_id), at its first signed_up event, with
    the person (customer_uid) it belongs to. Signups are counted by account, as the product
    counts them; a person with two accounts (rare: a second signup with another email) is
    two signups. A signed_up event without a user id names no account and is not a signup.
-#}
with

signed_up as (
    select * from {{ ref('stg_events__signed_up') }}
    where user_id is not null
),

identity_map as (
    select * from {{ ref('int_identity__customer_map') }}
    where identifier_type = 'user_id'
),

first_signup as (
    {{ dedupe('signed_up', 'user_id', ['occurred_at', 'message_id']) }}
),

final as (
    select
        first_signup.user_id,
        identity_map.customer_uid,
        first_signup.anonymous_id,
        first_signup.plan,
        first_signup.occurred_at as signed_up_at,
    from first_signup
    left join identity_map
        on first_signup.user_id = identity_map.identifier
)

select * from final
