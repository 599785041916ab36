{#- Columns and types come from the contract (macro contract_columns, generated). Raw files
    written before the recipient columns existed (contract 1.1.0) read them as null
    (source_or_empty with fill_missing). -#}
with

source as (

    select * from {{ source_or_empty('bpkad', 'sp2d', fill_missing=true) }}

),

renamed as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        {{ contract_columns('bpkad', 'sp2d', exclude=['kode_pemda']) }},
        cast(extract(month from tanggal_sp2d) as integer) as bulan

    from source

)

select * from renamed
