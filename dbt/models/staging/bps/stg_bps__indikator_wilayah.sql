{#- Columns and types come from the contract (macro contract_columns, generated). -#}
with

source as (

    select * from {{ source('bps', 'indikator_wilayah') }}

),

renamed as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        {{ contract_columns(
            'bps', 'indikator_wilayah', rename={'satuan': 'satuan_asli'}, exclude=['kode_pemda']
        ) }}

    from source

)

select * from renamed
