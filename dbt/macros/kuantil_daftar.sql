{#-
    The q-quantile (linear interpolation, as quantile_cont) of a sorted list of n numbers, for a
    q that is data (a seed value), which DuckDB's quantile_cont does not take: `daftar` from
    list(x order by x), `n` its length.
-#}
{% macro kuantil_daftar(daftar, n, q_expr) -%}
    {#- parenthesised: q may be an expression such as `1 - kuantil` -#}
    {%- set q = '(' ~ q_expr ~ ')' %}
    (
        {{ daftar }}[cast(floor({{ q }} * ({{ n }} - 1)) as integer) + 1]
        + ({{ q }} * ({{ n }} - 1) - floor({{ q }} * ({{ n }} - 1)))
        * (
            coalesce(
                {{ daftar }}[cast(floor({{ q }} * ({{ n }} - 1)) as integer) + 2],
                {{ daftar }}[{{ n }}]
            )
            - {{ daftar }}[cast(floor({{ q }} * ({{ n }} - 1)) as integer) + 1]
        )
    )
{%- endmacro %}
