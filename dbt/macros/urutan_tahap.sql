{#-
    Order of a budget phase within a fiscal year: murni 0, pergeseran_N N, perubahan 99.
    One rule for every model that needs "the latest phase".
-#}
{% macro urutan_tahap(tahap) -%}
    case
        when {{ tahap }} = 'murni' then 0
        when {{ tahap }} = 'perubahan' then 99
        when {{ tahap }} like 'pergeseran%' then cast(substr({{ tahap }}, 12) as integer)
    end
{%- endmacro %}
