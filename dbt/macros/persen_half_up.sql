{#-
    `numerator / denominator * 100`, rounded half away from zero (12.345 -> 12.35), exactly.
    DuckDB divides decimals in DOUBLE, where 12.345 may come out as 12.3449..., so both arguments
    are scaled to whole units of their last decimal (`desimal`: 2 for rupiah, 4 for the
    quantities of performance targets) and the quotient is computed in whole hundredths of a
    percent with integer division on HUGEINT (on Spark: decimal(38, 0) and `div`). Null when the
    denominator is 0 or null. A result past `tipe` fails the cast: loudly, on purpose.
-#}
{% macro persen_half_up(numerator, denominator, desimal=2, tipe='decimal(9, 2)') -%}
    {%- set ke_satuan = " as decimal(38, " ~ desimal ~ ")) * " ~ 10 ** desimal ~ " as hugeint)" -%}
    {%- set n = "cast(cast(" ~ numerator ~ ke_satuan -%}
    {%- set d = "cast(cast(" ~ denominator ~ ke_satuan -%}
    case
        when {{ denominator }} = 0 then null
        else cast(
            cast(
                sign({{ n }}) * sign({{ d }})
                * ((abs({{ n }}) * 20000 + abs({{ d }})) // (2 * abs({{ d }})))
                as decimal(38, 0)
            ) * 0.01 as {{ tipe }}
        )
    end
{%- endmacro %}
