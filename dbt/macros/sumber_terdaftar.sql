{#-
    A filter keeping rows of the dbt sources generated from the source contracts (the ingest log
    `meta` is not one): lets a model ignore configuration rows, such as a reporting-calendar
    entry, for a source that has no contract yet. `true` where the graph is not available
    (parsing, unit tests).
-#}
{% macro sumber_terdaftar(sistem, tabel) -%}
    {%- set keys = [] -%}
    {%- if execute -%}
        {%- for node in graph.get('sources', {}).values() if node.source_name != 'meta' -%}
            {%- set _ = keys.append("'" ~ node.source_name ~ "." ~ node.name ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if keys -%}
        {{ sistem }} || '.' || {{ tabel }} in ({{ keys | sort | join(', ') }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
