{#-
    Small cross-database helpers staging needs, written here because hub packages (dbt_utils)
    cannot be installed. Each dispatches so a cloud warehouse adapter can override it; the
    default implementations are DuckDB's.
-#}

{#- A text key from several columns (dbt_utils.generate_surrogate_key's contract: nulls are
    distinguishable from empty strings, column order matters). -#}
{% macro surrogate_key(columns) -%}
    {{ return(adapter.dispatch('surrogate_key', 'roundtrip')(columns)) }}
{%- endmacro %}

{% macro default__surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append(
            "coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_null_')"
        ) -%}
    {%- endfor -%}
    md5({{ parts | join(" || '-' || ") }})
{%- endmacro %}

{#- A scalar from a JSON text column as text, e.g. json_text('data', '$.name'). -#}
{% macro json_text(column_name, path) -%}
    {{ return(adapter.dispatch('json_text', 'roundtrip')(column_name, path)) }}
{%- endmacro %}

{% macro default__json_text(column_name, path) -%}
    json_extract_string({{ column_name }}, '{{ path }}')
{%- endmacro %}

{#- Seconds since the Unix epoch → timestamp (naive, meaning UTC; independent of the session's
    time zone, unlike a cast of a timestamptz). -#}
{% macro epoch_to_timestamp(column_name) -%}
    {{ return(adapter.dispatch('epoch_to_timestamp', 'roundtrip')(column_name)) }}
{%- endmacro %}

{% macro default__epoch_to_timestamp(column_name) -%}
    make_timestamp(cast({{ column_name }} as bigint) * 1000000)
{%- endmacro %}

{#- Text typed by a person → a clean lower-case token ('  Paid Search ' → 'paid search'). -#}
{% macro clean_text(column_name) -%}
    nullif(lower(trim({{ column_name }})), '')
{%- endmacro %}

{#- A text cell → number, null when the cell holds no number (typed text, '', '-'). Strips the
    thousands separators and currency signs a spreadsheet's formatted values carry. -#}
{% macro text_to_numeric(column_name) -%}
    {{ return(adapter.dispatch('text_to_numeric', 'roundtrip')(column_name)) }}
{%- endmacro %}

{% macro default__text_to_numeric(column_name) -%}
    try_cast(regexp_replace(trim({{ column_name }}), '[,$€£\s]', '', 'g') as {{ dbt.type_numeric() }})
{%- endmacro %}

{#- A parameter's value from an ad platform's URL tag string ('utm_source=fb&utm_medium=cpc'),
    null when it is missing or empty. The value runs from the first `name=` to the next '&'. -#}
{% macro url_tag(column_name, name) -%}
    {{ return(adapter.dispatch('url_tag', 'roundtrip')(column_name, name)) }}
{%- endmacro %}

{% macro default__url_tag(column_name, name) -%}
    nullif(regexp_extract({{ column_name }}, '{{ name }}=([^&]*)', 1), '')
{%- endmacro %}
