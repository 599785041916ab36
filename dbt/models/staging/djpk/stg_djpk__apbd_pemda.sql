{#- Columns and types come from the contract (macro contract_columns, generated); the jenis
    account also gets its dotted Permendagri 90 code (4101 -> 4.1.01), and the file's '#N/A'
    BPS codes become empty (ref_pemda maps pemda by their DJPK code). Several files may hold the
    same pemda and year (the embedded national file, then a newer file a user drops in landing
    under another name): per pemda and year, every row comes from the file loaded last, so a
    newer file replaces a pemda's year whole and never adds to it. -#}
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

),

-- the Kemendagri code of each DJPK code (ref_pemda): the warehouse's key for a pemda
pemda as (

    select
        kode_pemda,
        kode_djpk
    from {{ ref('ref_pemda') }}
    where kode_djpk is not null

),

final as (

    select
        pemda.kode_pemda,
        renamed.*
    from renamed
    left join pemda
        on renamed.kode_djpk = pemda.kode_djpk

)

select * from final
qualify dense_rank() over (
        partition by kode_djpk, tahun
        order by dimuat_pada desc, sumber_berkas desc
    ) = 1
