{#- Columns and types come from the contract (macro contract_columns, generated). -#}
with

source as (

    select * from {{ source('bpkad', 'sp2d') }}

),

renamed as (

    select
        {{ contract_columns('bpkad', 'sp2d') }},
        cast(extract(month from tanggal_sp2d) as integer) as bulan

    from source

)

select * from renamed
