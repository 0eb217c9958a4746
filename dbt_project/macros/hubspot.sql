{#- HubSpot's association tables as Fivetran lands them (deal_company, deal_contact, ...) share
    one shape: the deal, the associated object and HubSpot's association type. One select list
    stages them all, so every link gets the same key, types and names. `object_name` is the
    associated object ('company' → company_id, deal_company_id). Lines after the first are
    indented for a select list, so the compiled SQL reads cleanly. -#}
{% macro hubspot_deal_association(object_name) -%}
    {%- set object_id = object_name ~ '_id' -%}
    {{ surrogate_key(['deal_id', object_id]) }} as deal_{{ object_id }},
        cast(deal_id as bigint) as deal_id,
        cast({{ object_id }} as bigint) as {{ object_id }},
        cast(type_id as integer) as association_type_id,
        _fivetran_synced as synced_at,
{%- endmacro %}
