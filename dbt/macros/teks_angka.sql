{#-
    Figures inside plain-Indonesian explanations: `rupiah_teks(x)` -> 'Rp1.234.567' (rounded to
    the rupiah, dots between thousands), `persen_teks(x)` -> '17,18 %' (decimal comma). DuckDB
    SQL; on Spark: format_number(x, 0) and translate(). The figures themselves stay in their own
    typed columns; these strings are for reading only.
-#}
{% macro rupiah_teks(value) -%}
    (
        case when {{ value }} < 0 then '-' else '' end
        || 'Rp'
        || replace(format('{:,}', cast(round(abs({{ value }}), 0) as hugeint)), ',', '.')
    )
{%- endmacro %}

{% macro persen_teks(value) -%}
    replace(replace(cast({{ value }} as varchar), '.', ',') || ' %', ',00 %', ' %')
{%- endmacro %}
