{#- Columns and types come from the contract (macro contract_columns, generated). -#}
with

source as (

    select * from {{ source('sipd', 'dpa_sub_kegiatan') }}

),

renamed as (

    select
        {{ contract_columns('sipd', 'dpa_sub_kegiatan') }},
        {{ urutan_tahap('tahap') }} as urutan_tahap

    from source

)

select * from renamed
