{#-
    Money arrives in minor units (Stripe: cents) or micros (Google Ads: cost_micros); staging
    converts it once so every later layer works in currency units, as an exact decimal.
    The divisor is a decimal literal so integer columns never take integer division.
-#}
{% macro cents_to_currency(column_name, scale=2) -%}
    cast({{ column_name }} / 100.0 as numeric(28, {{ scale }}))
{%- endmacro %}

{% macro micros_to_currency(column_name, scale=2) -%}
    cast({{ column_name }} / 1000000.0 as numeric(28, {{ scale }}))
{%- endmacro %}
