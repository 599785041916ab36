{#- Pseudonymised at ingest: NIK, name and birth date never reach raw Parquet (architecture
    rule 6); only their pseudonym (nik_hash) and the age band arrive here. Columns and types
    come from the contract (macro contract_columns, generated). -#}
with

source as (

    select * from {{ source('dinsos', 'penerima_bansos') }}

),

renamed as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        {{ contract_columns('dinsos', 'penerima_bansos', exclude=['kode_pemda']) }}

    from source

)

select * from renamed
