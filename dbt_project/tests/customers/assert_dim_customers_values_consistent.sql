{#-
    Each customer's figures agree with each other: CSAT is a share (0 to 1) of the rated
    tickets, rated and open tickets are among the tickets, good ratings among the rated, first
    seen no later than last seen, paying customers have current MRR and a Stripe plan, and an
    identified customer has an email or a user id. Returns the rows that do not.
-#}
select
    customer_uid,
    csat,
    tickets,
    open_tickets,
    rated_tickets,
    good_ratings,
    first_seen_at,
    last_seen_at,
    current_mrr,
    plan_source,
from {{ ref('dim_customers') }}
where
    csat < 0
    or csat > 1
    or (csat is null) != (rated_tickets = 0)
    or rated_tickets > tickets
    or open_tickets > tickets
    or good_ratings > rated_tickets
    or first_seen_at > last_seen_at
    or (is_paying and (current_mrr <= 0 or coalesce(plan_source, 'none') != 'stripe'))
    or is_identified != (email is not null or user_id is not null)
