{#- One pemda's own list, for every pemda in the warehouse (the stg_daftar__* models): Samarinda's
    (64.72) is a seed; another pemda's arrives as data in landing/<kode_pemda>/referensi/<table>/
    (source referensi.<table>, absent in a single-city deployment, hence source_or_empty). Both
    sides take their columns and types from the referensi contract (contract_columns), lineage
    columns left out. The seed stays the list of its own pemda: rows sent for a pemda the seed
    holds are not read. -#}
{% macro daftar_per_pemda(seed, table, cast_as={}) -%}
    {%- set lineage = ['_sumber_sha256', '_sumber_berkas', '_baris', '_dimuat_pada'] -%}
with

benih as (

    select
        {{ contract_columns('referensi', table, cast_as=cast_as, exclude=lineage) }}
    from {{ ref(seed) }}

),

kiriman as (

    select
        {{ contract_columns('referensi', table, cast_as=cast_as, exclude=lineage) }}
    from {{ source_or_empty('referensi', table) }}

),

final as (

    select * from benih
    union all
    select kiriman.* from kiriman
    where kiriman.kode_pemda not in (select benih.kode_pemda from benih)

)

select * from final
{%- endmacro %}
