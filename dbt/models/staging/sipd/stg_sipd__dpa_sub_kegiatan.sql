{#- Columns and types come from the contract (macro contract_columns, generated). -#}
with

source as (

    select * from {{ source('sipd', 'dpa_sub_kegiatan') }}

),

renamed as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        {{ contract_columns('sipd', 'dpa_sub_kegiatan', exclude=['kode_pemda']) }},
        {{ urutan_tahap('tahap') }} as urutan_tahap

    from source

)

select * from renamed
