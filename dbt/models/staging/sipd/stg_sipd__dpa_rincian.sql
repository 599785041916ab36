with

source as (

    select * from {{ source('sipd', 'dpa_rincian') }}

),

renamed as (

    select
        -- keys
        cast(tahun as integer) as tahun,
        cast(tahap as varchar) as tahap,
        {{ urutan_tahap('tahap') }} as urutan_tahap,
        cast(kode_skpd as varchar) as kode_skpd,
        cast(kode_sub_kegiatan as varchar) as kode_sub_kegiatan,
        cast(no_rincian as integer) as no_rincian,

        -- classification
        cast(kode_akun as varchar) as kode_akun,
        cast(kode_sumber_dana as varchar) as kode_sumber_dana,

        -- line item as written in the file
        cast(uraian_komponen as varchar) as uraian_komponen,
        cast(koefisien as varchar) as koefisien,
        cast(satuan as varchar) as satuan,
        cast(kode_lokasi as varchar) as kode_lokasi,

        -- numbers
        cast(volume as decimal(18, 4)) as volume,
        cast(harga_satuan_rp as decimal(18, 2)) as harga_satuan_rp,
        cast(total_rp as decimal(18, 2)) as total_rp,

        -- lineage
        cast(_sumber_sha256 as varchar) as sumber_sha256,
        cast(_sumber_berkas as varchar) as sumber_berkas,
        cast(_baris as integer) as sumber_baris,
        cast(_dimuat_pada as timestamp) as dimuat_pada

    from source

)

select * from renamed
