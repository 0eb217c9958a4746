{#-
    One row per Zendesk ticket with its life from the field history: the first status, when it
    was first and last solved, whether it is open now, and its CSAT survey (when the survey was
    first offered; the latest rating — a re-rated ticket counts once, with the rating given last,
    dated by when it was given). The requester is resolved to a customer_uid through the identity
    graph (zendesk_user_id), so the customer 360 can count open tickets and CSAT per customer.
-#}
with

tickets as (

    select
        ticket_id,
        requester_id,
        organization_id,
        status,
        priority,
        ticket_type,
        via_channel,
        created_at,
        updated_at,
    from {{ ref('stg_zendesk__ticket') }}

),

history as (

    select
        ticket_id,
        field_name,
        value,
        valid_starting_at,
    from {{ ref('stg_zendesk__ticket_field_history') }}
    where field_name in ('status', 'satisfaction_score')

),

statuses as (

    select
        ticket_id,
        min(case when value = 'solved' then valid_starting_at end) as first_solved_at,
        max(case when value = 'solved' then valid_starting_at end) as last_solved_at,
        min(case when value = 'closed' then valid_starting_at end) as closed_at,
        count(case when value = 'solved' then 1 end) as times_solved,
    from history
    where field_name = 'status'
    group by ticket_id

),

first_statuses as (

    select
        ticket_id,
        value as first_status,
    from history
    where field_name = 'status'
    qualify row_number() over (
        partition by ticket_id order by valid_starting_at, value
    ) = 1

),

offers as (

    select
        ticket_id,
        min(valid_starting_at) as satisfaction_offered_at,
    from history
    where
        field_name = 'satisfaction_score'
        and value in ('offered', 'good', 'bad')
    group by ticket_id

),

latest_ratings as (

    select
        ticket_id,
        value as satisfaction_rating,
        valid_starting_at as satisfaction_rated_at,
    from history
    where
        field_name = 'satisfaction_score'
        and value in ('good', 'bad')
    qualify row_number() over (
        partition by ticket_id order by valid_starting_at desc, value asc
    ) = 1

),

requesters as (

    select
        identifier,
        customer_uid,
    from {{ ref('int_identity__customer_map') }}
    where identifier_type = 'zendesk_user_id'

),

final as (

    select
        tickets.ticket_id,
        requesters.customer_uid,
        tickets.requester_id,
        tickets.organization_id,
        tickets.created_at,
        first_statuses.first_status,
        tickets.status,
        tickets.status in ('new', 'open', 'pending', 'hold') as is_open,
        statuses.first_solved_at,
        case
            when tickets.status in ('solved', 'closed')
                then coalesce(statuses.last_solved_at, statuses.closed_at)
        end as solved_at,
        coalesce(statuses.times_solved, 0) as times_solved,
        tickets.priority,
        tickets.ticket_type,
        tickets.via_channel,
        offers.satisfaction_offered_at,
        latest_ratings.satisfaction_rating,
        latest_ratings.satisfaction_rated_at,
        tickets.updated_at,
    from tickets
    left join statuses
        on tickets.ticket_id = statuses.ticket_id
    left join first_statuses
        on tickets.ticket_id = first_statuses.ticket_id
    left join offers
        on tickets.ticket_id = offers.ticket_id
    left join latest_ratings
        on tickets.ticket_id = latest_ratings.ticket_id
    left join requesters
        on cast(tickets.requester_id as {{ dbt.type_string() }}) = requesters.identifier

)

select * from final
