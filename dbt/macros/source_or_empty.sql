{#-
    `source(source_name, table_name)` for a Parquet source that may have no files yet (the ingest
    log before the first ingest, the scenario store before the first saved scenario). DuckDB's
    read_parquet fails at bind time on a glob that matches nothing, so at execution the macro
    counts the files behind the source's external_location first; when there are none it
    renders an empty relation with the source's declared columns and types instead. At parse time
    it renders the source, so lineage is unchanged.
-#}
{% macro source_or_empty(source_name, table_name) -%}
{%- set relation = source(source_name, table_name) -%}
{%- if execute -%}
{%- set pattern = (relation | string).split("'")[1] -%}
{%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')") -%}
{%- if found.columns[0].values()[0] > 0 -%}
{{ relation }}
{%- else -%}
{%- set node = graph.sources.values()
    | selectattr('source_name', 'equalto', source_name)
    | selectattr('name', 'equalto', table_name)
    | first -%}
(select
{%- for column in node.columns.values() %}
    cast(null as {{ column.data_type }}) as {{ column.name }}{{ "," if not loop.last }}
{%- endfor %}
where false)
{%- endif -%}
{%- else -%}
{{ relation }}
{%- endif -%}
{%- endmacro %}
