{#- Columns and types come from the contract (macro contract_columns, generated); the jenis
    account also gets its dotted Permendagri 90 code (4101 -> 4.1.01), and the file's '#N/A'
    BPS codes become empty (ref_pemda maps pemda by their DJPK code). -#}
with

source as (

    select * from {{ source('djpk', 'apbd_pemda') }}

),

renamed as (

    select
        {{ contract_columns('djpk', 'apbd_pemda', exclude=['kode_bps']) }},
        cast(nullif(kode_bps, '#N/A') as varchar) as kode_bps_asli,
        cast(
            substr(kode_akun_jenis, 1, 1) || '.' || substr(kode_akun_jenis, 2, 1) || '.'
            || substr(kode_akun_jenis, 3, 2)
            as varchar
        ) as kode_akun

    from source

)

select * from renamed
