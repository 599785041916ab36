{#-
    `source(source_name, table_name)` for a Parquet source that may have no files yet (the ingest
    log before the first ingest, the scenario store before the first saved scenario). DuckDB's
    read_parquet fails at bind time on a glob that matches nothing, so at execution the macro
    counts the files behind the source's external_location first; when there are none it
    renders an empty relation with the source's declared columns and types instead. At parse time
    it renders the source, so lineage is unchanged. With fill_missing, files that lack a declared
    column (written before the column existed) read it as null instead of failing. The files
    are the source's meta `pola_berkas` (generated from the contract, with external_location); a
    per-pemda source comes filtered to a slice build's pemda, as `source` gives it
    (irisan_pemda.sql).
-#}
{% macro source_or_empty(source_name, table_name, fill_missing=false) -%}
{%- set relation = source(source_name, table_name) -%}
{%- if execute -%}
{%- set node = irisan_sumber_node(source_name, table_name) -%}
{%- set pattern = (node.config.meta or node.meta)['pola_berkas'] -%}
{%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')") -%}
{%- set empty -%}
(select
{%- for column in node.columns.values() %}
    cast(null as {{ column.data_type }}) as {{ column.name }}{{ "," if not loop.last }}
{%- endfor %}
where false)
{%- endset -%}
{%- if found.columns[0].values()[0] == 0 -%}
{{ empty }}
{%- elif fill_missing -%}
(select * from {{ empty }} union all by name select * from {{ relation }})
{%- else -%}
{{ relation }}
{%- endif -%}
{%- else -%}
{{ relation }}
{%- endif -%}
{%- endmacro %}
