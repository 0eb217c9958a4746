{#-
    A subscription item bills one price and quantity at a time: its stretches in
    int_finance__subscription_periods never overlap, and only its last one may be open.
-#}
with

periods as (

    select
        subscription_item_id,
        valid_from,
        valid_to,
        lead(valid_from) over (
            partition by subscription_item_id order by valid_from
        ) as next_valid_from,
    from {{ ref('int_finance__subscription_periods') }}

)

select *
from periods
where
    next_valid_from is not null
    and (valid_to is null or valid_to > next_valid_from)
