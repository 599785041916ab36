{#- Columns and types come from the contract (macro contract_columns, generated). -#}
with

source as (

    select * from {{ source('sipd', 'dpa_rincian') }}

),

renamed as (

    select
        {{ contract_columns('sipd', 'dpa_rincian') }},
        {{ urutan_tahap('tahap') }} as urutan_tahap

    from source

)

select * from renamed
