{#- The Indonesian name of month number `bulan` (1-12), for the plain-language reasons. -#}
{% macro nama_bulan(bulan) -%}
    list_extract(
        [
            'Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus',
            'September', 'Oktober', 'November', 'Desember'
        ],
        {{ bulan }}
    )
{%- endmacro %}
