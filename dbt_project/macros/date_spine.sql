{#-
    One row per day (or week/month start) from start_date to end_date inclusive, column
    `date_<datepart>`. dbt_utils.date_spine's job, written here because hub packages cannot be
    installed; dispatches so a cloud warehouse adapter can override the DuckDB default.
    Arguments are SQL expressions that evaluate to dates.
-#}
{% macro date_spine(start_date, end_date, datepart='day') -%}
    {{ return(adapter.dispatch('date_spine', 'roundtrip')(start_date, end_date, datepart)) }}
{%- endmacro %}

{% macro default__date_spine(start_date, end_date, datepart) -%}
    select cast(spine.generate_series as date) as date_{{ datepart }}
    from generate_series(
        cast(date_trunc('{{ datepart }}', cast({{ start_date }} as date)) as timestamp),
        cast(date_trunc('{{ datepart }}', cast({{ end_date }} as date)) as timestamp),
        interval 1 {{ datepart }}
    ) as spine
{%- endmacro %}
