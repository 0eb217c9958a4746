-- Daily active users in the funnel are the product domain's: the same count as
-- fct_active_users_daily on every day (a day only one side has must show none).
select
    coalesce(funnel.date_day, product.date_day) as date_day,
    funnel.daily_active_users as funnel_daily_active_users,
    product.daily_active_users as product_daily_active_users,
from {{ ref('fct_funnel_daily') }} as funnel
full outer join {{ ref('fct_active_users_daily') }} as product
    on funnel.date_day = product.date_day
where coalesce(funnel.daily_active_users, 0) != coalesce(product.daily_active_users, 0)
