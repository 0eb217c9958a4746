{#-
    Use a model's custom schema as-is (`staging`, not `main_staging`): the layers are fixed
    schemas of one warehouse, and Dagster asset keys and downstream readers name them directly.
    Models without a custom schema land in the target's schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
