{#-
    Pemda slices: after a good build, only the pemda whose raw data changed are computed again
    (dagster_project/lib/transform/irisan.py decides which, and when a build must be full).

    Materialization `irisan_pemda` is for a table whose rows of one pemda depend only on that
    pemda's raw data, the national files and the seeds: every fact, dim and mart keyed by
    kode_pemda except those compared across pemda or read from the ingest log (marts take it from
    their contract, dagster_project/lib/contracts/dbt_codegen.py `materialization`).

    - Full build (a new build file): the table is created as `table` would, contract and all,
      its rows stored in kode_pemda order; with config `irisan_per_batch: N`, created empty and
      filled N pemda at a time, each batch computed as a slice build computes its slice
      (irisan_berkas_semua). Stored by pemda, one pemda's rows fill a few row groups of their
      own: a slice build's delete and insert rewrite those, not a part of every row group of
      the table (DuckDB's checkpoint rewrites each row group a commit touched; at 10 pemda the
      first slice build after an unsorted full build spent 4.4 s of its threads' time in
      COMMIT, a later one 1.2 s; benchmarks/results/pemda10-skala2.8-s22).
    - Slice build: the build file is a copy of the last good build and holds
      `intermediate.irisan_pemda`, the pemda to recompute, and `intermediate.irisan_berkas`,
      their folders in raw/ per source (irisan_dibangun). The model runs with DuckDB variable
      `irisan_pemda` set to that list
      on its own connection, and every read of a pemda's data beneath it carries the filter
      `irisan_saring()`: the per-pemda raw sources (`source`, meta irisan_pemda from the contract)
      and the other `irisan_pemda` tables (`ref`), through every view in between. DuckDB folds
      the variable into a constant: unset (a table built whole, a test) the filter disappears,
      set it is pushed into each Parquet and table scan, so the slice reads only its own rows.
      Then, in one transaction:
          delete from <table> where kode_pemda in (<slice>);
          insert into <table> by name select * from (<model>) where kode_pemda in (<slice>);
      The rows of every other pemda stay as the last good build left them.

    tests/test_irisan.py holds a slice build equal, table by table, to a full build of the same
    raw data, and no table built whole reading a pemda's raw data except through a sliced table.
-#}

{% macro irisan_saring() -%}
(getvariable('irisan_pemda') is null or list_contains(getvariable('irisan_pemda'), kode_pemda))
{%- endmacro %}


{% macro irisan_bungkus(relation) -%}
{#- A relation read by a SQL model or a test: filtered to the slice while the variable is set. -#}
{%- if execute and model is mapping and model.get('resource_type') in ('model', 'test')
      and model.get('language', 'sql') == 'sql' -%}
(select * from {{ relation }} where {{ irisan_saring() }})
{%- else -%}
{{ relation }}
{%- endif -%}
{%- endmacro %}


{% macro ref() -%}
{%- set relation = builtins.ref(*varargs, **kwargs) -%}
{%- set node = irisan_model(*varargs) if execute else none -%}
{%- if node is not none and node.config.materialized == 'irisan_pemda' -%}
  {{ return(irisan_bungkus(relation)) }}
{%- endif -%}
{{ return(relation) }}
{%- endmacro %}


{% macro irisan_model(package_or_name, name=none) -%}
{#- The model node `ref` names (one argument or two, as `ref`), or none (a seed, a snapshot).
    Looked up by its unique id in dbt's graph: every ref of every node asks. -#}
{%- set id = 'model.' ~ (package_or_name if name else project_name) ~ '.'
             ~ (name or package_or_name) -%}
{{ return(graph.get('nodes', {}).get(id)) }}
{%- endmacro %}


{% macro duckdb__get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) -%}
{#- A data test in a slice build reads only the slice's rows when everything it reads is keyed
    by pemda and either sliced or a view (their other pemda's rows are those the last good build
    left, and its tests passed on them); a test reading a table built whole reads all. The
    variable is set for the test's query alone: its result goes to a temporary table, the
    variable is reset, then the result is read, so nothing leaks into the next node. -#}
{%- if irisan_uji_terpilih() -%}
{{ irisan_variabel_irisan() }};
create or replace temporary table irisan_hasil_uji as
{{ default__get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) }};
{{ irisan_variabel(none) }};
select * from irisan_hasil_uji
{%- else -%}
{{ default__get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) }}
{%- endif -%}
{%- endmacro %}


{% macro irisan_variabel(pemda, berkas=none) -%}
{#- Statements setting (a slice) or resetting (none) the slice's two DuckDB variables on this
    connection: irisan_pemda = `pemda` (an SQL list of kode_pemda), and irisan_berkas, a map
    from each per-pemda raw source ("system.table") to the files it reads: its empty schema
    file and the slice's pemda folders that exist (a glob matching nothing is an error in
    DuckDB), so a view over raw opens no other pemda's files (the sources' external_location,
    lib/contracts/dbt_codegen.py). Which folders exist is read from `berkas`, a relation
    (sumber, kode_pemda): intermediate.irisan_berkas, written with the slice before dbt starts
    (lib/transform/irisan.py prepare_build, from its walk of raw/), or for a batched full build
    the glob the materialization ran once (irisan_berkas_semua). So no node globs raw/. -#}
{%- if pemda is none -%}
reset variable irisan_pemda;
reset variable irisan_berkas
{%- else -%}
set variable irisan_pemda = {{ pemda }};
set variable irisan_berkas = (
    with sumber (sumber, folder, awalan) as (
        values
        {%- for s in irisan_sumber_per_pemda() %}
        {%- set meta = s.config.meta or s.meta %}
            ('{{ s.source_name }}.{{ s.name }}', '{{ meta['irisan_pemda'] }}/', '{{ meta['awalan_pemda'] }}')
            {{- "," if not loop.last }}
        {%- endfor %}
    ),
    ada as (
        select
            sumber,
            list(
                sumber.folder || sumber.awalan || berkas.kode_pemda || '/**/*.parquet'
                order by berkas.kode_pemda
            ) as pola
        from {{ berkas }} as berkas
        inner join sumber using (sumber)
        where list_contains(getvariable('irisan_pemda'), berkas.kode_pemda)
        group by sumber
    )
    select map_from_entries(list({
        k: sumber.sumber,
        v: [sumber.folder || '_schema.parquet'] || coalesce(ada.pola, []::varchar[])
    }))
    from sumber
    left join ada using (sumber)
)
{%- endif -%}
{%- endmacro %}


{% macro irisan_daftar(kode) -%}
{#- kode_pemda as a list of SQL strings: '64.72','64.71' -#}
{%- for k in kode %}'{{ k | replace("'", "''") }}'{{ "," if not loop.last }}{% endfor -%}
{%- endmacro %}


{% macro irisan_variabel_irisan() -%}
{#- irisan_variabel for this slice build (irisan_dibangun). -#}
{{ irisan_variabel(
    '(select list(kode_pemda order by kode_pemda) from intermediate.irisan_pemda)',
    'intermediate.irisan_berkas') }}
{%- endmacro %}


{% macro irisan_sumber_per_pemda() -%}
{#- The raw sources holding one pemda's rows per folder (meta irisan_pemda: their folder in raw/,
    awalan_pemda: the prefix of a pemda's subfolder), from their contracts. -#}
{%- set found = [] -%}
{%- for s in graph.get('sources', {}).values() if (s.config.meta or s.meta).get('irisan_pemda') -%}
  {%- do found.append(s) -%}
{%- endfor -%}
{{ return(found) }}
{%- endmacro %}


{% macro irisan_uji_terpilih() -%}
{#- True when a test may be narrowed to the slice. -#}
{%- if not irisan_dibangun() -%}{{ return(false) }}{%- endif -%}
{%- for uid in model.depends_on.nodes -%}
  {%- set node = graph.nodes.get(uid) -%}
  {%- if node is none or node.resource_type not in ('model', 'seed') -%}
    {{ return(none) }}
  {%- elif node.resource_type == 'seed' -%}
    {#- a code list: the same in every build of this code -#}
  {%- elif node.config.materialized == 'view' -%}
    {%- set rel = api.Relation.create(database=node.database, schema=node.schema,
                                      identifier=node.alias) -%}
    {%- if 'kode_pemda' not in (adapter.get_columns_in_relation(rel)
                                | map(attribute='name') | list) -%}
      {{ return(false) }}
    {%- endif -%}
  {%- elif node.config.materialized != 'irisan_pemda' -%}
    {{ return(false) }}
  {%- endif -%}
{%- endfor -%}
{{ return(true) }}
{%- endmacro %}


{% macro source(source_name, table_name) -%}
{%- set relation = builtins.source(source_name, table_name) -%}
{%- if execute and irisan_sumber(source_name, table_name) -%}
  {{ return(irisan_bungkus(relation)) }}
{%- endif -%}
{{ return(relation) }}
{%- endmacro %}


{% macro irisan_sumber_node(source_name, table_name) -%}
{#- The project's source node, or none; by its unique id, as irisan_model. -#}
{%- set key = 'source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name -%}
{{ return(graph.get('sources', {}).get(key)) }}
{%- endmacro %}


{% macro irisan_sumber(source_name, table_name) -%}
{#- True for a raw source holding one pemda's rows per file (contract: not national). -#}
{%- set node = irisan_sumber_node(source_name, table_name) -%}
{{ return(node is not none and (node.config.meta or node.meta).get('irisan_pemda')) }}
{%- endmacro %}


{% macro irisan_dibangun() -%}
{#- True in a slice build: the build file holds intermediate.irisan_pemda, written before dbt
    started (lib/transform/irisan.py prepare_build). Looked up in dbt's relation cache, filled
    when dbt starts (every schema of the project's models): no query in each node. -#}
{%- if not execute -%}{{ return(false) }}{%- endif -%}
{{ return(adapter.get_relation(database=target.database, schema='intermediate',
                               identifier='irisan_pemda') is not none) }}
{%- endmacro %}


{% macro irisan_berkas_semua() -%}
{#- A temporary table irisan_berkas_semua (sumber, kode_pemda) on this connection: every pemda
    folder holding a file of a per-pemda source. What a full build of a model configured
    `irisan_per_batch: N` builds N pemda at a time, each batch as a slice build computes its
    slice (the filter pushed into every scan beneath), so the model's memory is that of its N
    largest pemda, not of all of them. For a model whose work grows faster than its rows:
    int_rincian_matched_across_tahap compares a pemda-year's budget lines pairwise; at 100 pemda
    of issue 12's size (7.4 M SP2D a year) built whole it ran out of DuckDB's 5 GiB after
    7 minutes. Returns the pemda, sorted. -#}
{%- set globs = [] -%}
{%- for s in irisan_sumber_per_pemda() -%}
  {%- set meta = s.config.meta or s.meta -%}
  {%- do globs.append("select distinct '" ~ s.source_name ~ "." ~ s.name ~ "' as sumber, "
      ~ "regexp_extract(file, '/" ~ meta['awalan_pemda'] ~ "([^/]+)/', 1) as kode_pemda from glob('"
      ~ meta['irisan_pemda'] ~ "/" ~ meta['awalan_pemda'] ~ "*/**/*.parquet')") -%}
{%- endfor -%}
{% call statement('irisan_berkas_semua') -%}
create or replace temporary table irisan_berkas_semua as {{ globs | join(' union all ') }}
{%- endcall %}
{%- set found = run_query("select distinct kode_pemda from irisan_berkas_semua order by 1") -%}
{{ return(found.columns[0].values() | list) }}
{%- endmacro %}


{% materialization irisan_pemda, adapter="duckdb" %}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set irisan = irisan_dibangun() -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- if irisan and existing_relation is not none and existing_relation.is_table -%}
    {% call statement('irisan_pasang') -%}
      {{ irisan_variabel_irisan() }}
    {%- endcall %}
    {% call statement('main') -%}
      delete from {{ target_relation }} where list_contains(getvariable('irisan_pemda'), kode_pemda);
      insert into {{ target_relation }} by name
      select * from (
        {{ compiled_code }}
      ) as irisan where list_contains(getvariable('irisan_pemda'), kode_pemda)
    {%- endcall %}
    {% call statement('irisan_lepas') -%}
      {{ irisan_variabel(none) }}
    {%- endcall %}
  {%- elif config.get('irisan_per_batch') -%}
    {#- A full build in batches of pemda (see irisan_berkas_semua). -#}
    {{ drop_relation_if_exists(existing_relation) }}
    {% call statement('irisan_kosong') -%}
      {{ create_table_as(False, target_relation,
                         'select * from (\n' ~ compiled_code ~ '\n) as irisan where false') }}
    {%- endcall %}
    {{ adapter.commit() }}
    {%- set semua = irisan_berkas_semua() -%}
    {%- set per_batch = config.get('irisan_per_batch') | int -%}
    {%- for batch in semua | batch(per_batch) %}
      {% call statement('irisan_pasang') -%}
        {{ irisan_variabel('[' ~ irisan_daftar(batch) ~ ']::varchar[]', 'irisan_berkas_semua') }}
      {%- endcall %}
      {% call statement('main' if loop.last else 'irisan_batch') -%}
        insert into {{ target_relation }} by name
        select * from (
          {{ compiled_code }}
        ) as irisan where kode_pemda in ({{ irisan_daftar(batch) }})
        order by kode_pemda
      {%- endcall %}
      {% call statement('irisan_lepas') -%}
        {{ irisan_variabel(none) }}
      {%- endcall %}
      {%- if not loop.last %}{{ adapter.commit() }}{% endif %}
    {%- else %}
      {% call statement('main') -%}
        select 1
      {%- endcall %}
    {%- endfor %}
  {%- else -%}
    {{ drop_relation_if_exists(existing_relation) }}
    {% call statement('main') -%}
      {#- on lines of their own: the model's last line may be a comment -#}
      {{ create_table_as(False, target_relation,
                         'select * from (\n' ~ compiled_code ~ '\n) as irisan '
                         ~ 'order by kode_pemda') }}
    {%- endcall %}
  {%- endif %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
