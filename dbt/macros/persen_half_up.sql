{#-
    `numerator / denominator * 100` as DECIMAL(9,2), rounded half away from zero (12.345 ->
    12.35), exactly. DuckDB divides decimals in DOUBLE, where 12.345 may come out as 12.3449...,
    so the quotient is computed in whole hundredths of a percent with integer division on
    HUGEINT (on Spark: decimal(38, 0) and `div`). Both arguments are rupiah with two decimals.
    Null when the denominator is 0 or null. A result past DECIMAL(9,2) (more than 100,000 times
    the denominator) fails the cast: loudly, on purpose.
-#}
{% macro persen_half_up(numerator, denominator) -%}
    {%- set n = "cast(cast(" ~ numerator ~ " as decimal(38, 2)) * 100 as hugeint)" -%}
    {%- set d = "cast(cast(" ~ denominator ~ " as decimal(38, 2)) * 100 as hugeint)" -%}
    case
        when {{ denominator }} = 0 then null
        else cast(
            cast(
                sign({{ n }}) * sign({{ d }})
                * ((abs({{ n }}) * 20000 + abs({{ d }})) // (2 * abs({{ d }})))
                as decimal(38, 0)
            ) * 0.01 as decimal(9, 2)
        )
    end
{%- endmacro %}
