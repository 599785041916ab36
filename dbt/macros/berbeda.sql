{#- True when two values differ, a null differing from a value and two nulls the same
    (IS DISTINCT FROM, written so the SQL linter's DuckDB grammar parses it). -#}
{% macro berbeda(a, b) -%}
    coalesce({{ a }} <> {{ b }}, ({{ a }} is null) <> ({{ b }} is null))
{%- endmacro %}
