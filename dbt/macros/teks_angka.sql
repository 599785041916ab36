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

{#- A peer-comparison figure in words by its form: rp, persen (1 decimal), angka (2 decimals). -#}
{% macro teks_ukuran(value, bentuk) -%}
    case
        when {{ bentuk }} = 'rp' then {{ rupiah_teks(value) }}
        when {{ bentuk }} = 'angka'
            then replace(cast(cast(round({{ value }}, 2) as decimal(18, 2)) as varchar), '.', ',')
        else replace(cast(cast(round({{ value }}, 1) as decimal(18, 1)) as varchar), '.', ',') || ' %'
    end
{%- endmacro %}

{#- A quantity in words: 12 -> '12', 2.5000 -> '2,5' (trailing zeros dropped, decimal comma). -#}
{% macro volume_teks(value) -%}
    replace(rtrim(rtrim(cast({{ value }} as varchar), '0'), '.'), '.', ',')
{%- endmacro %}
