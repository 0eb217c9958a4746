{#-
    The event staging models (stg_events__*, but not the users view) are incremental tables
    rebuilt one *received* day at a time, the day the raw_events asset partitions by. Dagster's
    daily-partitioned dbt asset passes the run's days as vars:

        dbt build --select stg_events__pages --vars '{events_min_day: 2026-03-01, events_max_day: 2026-03-07}'

    and each such build replaces exactly those days: every row received on them is deleted and
    the raw rows of those days inserted, so re-running a day is idempotent and a message that
    disappeared from a reloaded raw day disappears from staging too. Without the vars (a plain
    `dbt build`) the days rebuilt are those the loader rewrote since the model's last build
    (their raw rows carry a newer `uuid_ts` than any row the model holds). The first build, and
    `--full-refresh`, read every day.

    A reloaded day can also take a message away from another day (the loader keeps a message's
    earliest receipt), so the rows inserted replace any row with the same message id too.
-#}

{#- The `where` clause of a model's source CTE: the raw rows of the days this build rebuilds
    (nothing on a first or full build). -#}
{% macro event_days_filter() -%}
    {%- if is_incremental() -%}
    where {{ event_days_condition('received_at') }}
        {%- if var('events_min_day') is none %}
        or uuid_ts > (select max(loaded_at) from {{ this }})
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#- True for a timestamp `column` on one of the vars' days; false when no days were given. -#}
{% macro event_days_condition(column) -%}
    {%- set first, last = var('events_min_day'), var('events_max_day') -%}
    {%- if (first is none) != (last is none) -%}
        {{ exceptions.raise_compiler_error(
            "events_min_day and events_max_day go together: got events_min_day="
            ~ first ~ ", events_max_day=" ~ last
        ) }}
    {%- endif -%}
    {%- if first is none -%}
        false
    {%- else -%}
        cast({{ column }} as date) between cast('{{ first }}' as date) and cast('{{ last }}' as date)
    {%- endif -%}
{%- endmacro %}

{#- The `event_days` incremental strategy: delete the rebuilt days' rows (the vars' days, and
    the days of the rows about to be inserted) and every row whose message id is inserted again,
    then insert. Runs inside the model's transaction, so a failed build changes nothing. -#}
{% macro get_incremental_event_days_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set new_rows = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ event_days_condition('received_at') }}
        or cast(received_at as date) in (select cast(received_at as date) from {{ new_rows }})
        or message_id in (select message_id from {{ new_rows }});

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ new_rows }}
{%- endmacro %}
