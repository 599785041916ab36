{#- Columns and types come from the contract (macro contract_columns, generated). -#}
with

source as (

    select * from {{ source('bps', 'indikator_wilayah') }}

),

renamed as (

    select {{ contract_columns('bps', 'indikator_wilayah', rename={'satuan': 'satuan_asli'}) }}

    from source

)

select * from renamed
