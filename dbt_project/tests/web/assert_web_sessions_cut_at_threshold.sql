{#-
    Sessions are cut exactly where the threshold says: a device's consecutive sessions are more
    than var('session_threshold_seconds') apart, and the page-view gaps longer than the
    threshold number exactly the sessions beyond each device's first. Returns the offending
    sessions, or one summary row when the counts disagree.
-#}
with

sessions as (

    select
        session_id,
        anonymous_id,
        started_at,
        ended_at,
        lead(started_at) over (
            partition by anonymous_id order by started_at
        ) as next_started_at
    from {{ ref('int_web__sessions') }}

),

too_close as (

    select
        session_id,
        'next session within the threshold' as problem
    from sessions
    where
        next_started_at is not null
        and {{ dbt.datediff('ended_at', 'next_started_at', 'microsecond') }}
        <= {{ var('session_threshold_seconds') }} * 1000000

),

page_gaps as (

    select
        occurred_at,
        lag(occurred_at) over (
            partition by anonymous_id order by occurred_at, message_id
        ) as previous_occurred_at
    from {{ ref('int_web__pageviews') }}

),

long_gaps as (

    select count(*) as gaps
    from page_gaps
    where
        {{ dbt.datediff('previous_occurred_at', 'occurred_at', 'microsecond') }}
        > {{ var('session_threshold_seconds') }} * 1000000

),

session_counts as (

    select count(*) - count(distinct anonymous_id) as later_sessions
    from sessions

),

count_mismatch as (

    select
        'long gaps ' || cast(long_gaps.gaps as {{ dbt.type_string() }})
        || ' <> later sessions '
        || cast(session_counts.later_sessions as {{ dbt.type_string() }}) as session_id,
        'gap count' as problem
    from long_gaps
    cross join session_counts
    where long_gaps.gaps <> session_counts.later_sessions

)

select * from too_close
union all
select * from count_mismatch
