{#-
    Lineage of an aggregate: the distinct SHA-256s of the source files behind its rows, sorted and
    comma-separated, so every figure in a mart names the file versions it came from
    (architecture rule 7). `sumber_sha256_agg` aggregates a column of single hashes;
    `sumber_sha256_unnest` turns such a list back into one row per hash (to merge lists).
    DuckDB SQL; on Spark: concat_ws(',', array_sort(collect_set(x))) and explode(split(x, ',')).
-#}
{% macro sumber_sha256_agg(column) -%}
    string_agg(distinct {{ column }}, ',' order by {{ column }})
{%- endmacro %}

{% macro sumber_sha256_unnest(column) -%}
    unnest(string_split({{ column }}, ','))
{%- endmacro %}
