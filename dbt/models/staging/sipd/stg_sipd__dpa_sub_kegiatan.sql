with

source as (

    select * from {{ source('sipd', 'dpa_sub_kegiatan') }}

),

renamed as (

    select
        -- keys
        cast(tahun as integer) as tahun,
        cast(tahap as varchar) as tahap,
        {{ urutan_tahap('tahap') }} as urutan_tahap,
        cast(kode_skpd as varchar) as kode_skpd,
        cast(kode_sub_kegiatan as varchar) as kode_sub_kegiatan,

        -- attributes as written in the file
        cast(nama_skpd as varchar) as nama_skpd,
        cast(nama_sub_kegiatan as varchar) as nama_sub_kegiatan,
        cast(kode_kelurahan as varchar) as kode_kelurahan,
        cast(indikator_keluaran as varchar) as indikator_keluaran,
        cast(satuan_keluaran as varchar) as satuan_keluaran,

        -- numbers
        cast(pagu_rp as decimal(18, 2)) as pagu_rp,
        cast(target_keluaran as decimal(18, 4)) as target_keluaran,

        -- lineage
        cast(_sumber_sha256 as varchar) as sumber_sha256,
        cast(_sumber_berkas as varchar) as sumber_berkas,
        cast(_baris as integer) as sumber_baris,
        cast(_dimuat_pada as timestamp) as dimuat_pada

    from source

)

select * from renamed
