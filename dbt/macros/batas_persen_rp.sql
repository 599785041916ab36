{#-
    `persen` % of `basis` rupiah as DECIMAL(18,2), exactly, rounded to the cent towards the safe
    side of a rule: `pembulatan = 'atas'` (ceiling) for a floor, so meeting the amount always
    meets the percentage; `'bawah'` (floor) for a cap. Computed in whole cents with HUGEINT
    integer division (DuckDB divides decimals in DOUBLE). `persen` has at most 2 decimals,
    `basis` is rupiah with 2 decimals and is never negative.
-#}
{% macro batas_persen_rp(persen, basis, pembulatan) -%}
    {%- set p = "cast(cast(" ~ persen ~ " as decimal(38, 2)) * 100 as hugeint)" -%}
    {%- set b = "cast(cast(" ~ basis ~ " as decimal(38, 2)) * 100 as hugeint)" -%}
    {%- if pembulatan == 'atas' -%}
        cast(cast(({{ p }} * {{ b }} + 9999) // 10000 as decimal(38, 0)) * 0.01 as decimal(18, 2))
    {%- else -%}
        cast(cast(({{ p }} * {{ b }}) // 10000 as decimal(38, 0)) * 0.01 as decimal(18, 2))
    {%- endif -%}
{%- endmacro %}
