{#-
    Use the custom schema name as it is (`staging`, `intermediate`, `marts`, `reference`, `audit`)
    instead of dbt's default `<target schema>_<custom>`: there is one build file per run, so the
    schemas need no prefix, and consumers of the published file query `marts.<model>` directly.
    Nodes without a custom schema fall back to the target schema (`main` on DuckDB).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
