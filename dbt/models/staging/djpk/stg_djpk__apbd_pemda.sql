with

source as (

    select * from {{ source('djpk', 'apbd_pemda') }}

),

renamed as (

    select
        -- keys
        cast(kode_djpk as varchar) as kode_djpk,
        cast(tahun as integer) as tahun,
        cast(kode_akun_jenis as varchar) as kode_akun_jenis,

        -- the Permendagri 90 code of the jenis (4101 -> 4.1.01)
        cast(
            substr(kode_akun_jenis, 1, 1) || '.' || substr(kode_akun_jenis, 2, 1) || '.'
            || substr(kode_akun_jenis, 3, 2)
            as varchar
        ) as kode_akun,

        -- attributes as written in the file
        cast(nullif(kode_bps, '#N/A') as varchar) as kode_bps_asli,
        cast(versi as varchar) as versi,
        cast(keterangan as varchar) as keterangan,

        -- numbers
        cast(nilai_rp as decimal(18, 2)) as nilai_rp,

        -- lineage
        cast(_sumber_sha256 as varchar) as sumber_sha256,
        cast(_sumber_berkas as varchar) as sumber_berkas,
        cast(_baris as integer) as sumber_baris,
        cast(_dimuat_pada as timestamp) as dimuat_pada

    from source

)

select * from renamed
