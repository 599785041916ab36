with

source as (

    select * from {{ source('bpkad', 'sp2d') }}

),

renamed as (

    select
        -- keys
        cast(nomor_sp2d as varchar) as nomor_sp2d,
        cast(tahun as integer) as tahun,

        -- classification
        cast(kode_skpd as varchar) as kode_skpd,
        cast(kode_sub_kegiatan as varchar) as kode_sub_kegiatan,
        cast(kode_akun as varchar) as kode_akun,
        cast(kode_sumber_dana as varchar) as kode_sumber_dana,
        cast(jenis_sp2d as varchar) as jenis_sp2d,
        cast(keterangan as varchar) as keterangan,

        -- numbers
        cast(nilai_rp as decimal(18, 2)) as nilai_rp,

        -- dates
        cast(tanggal_sp2d as date) as tanggal_sp2d,
        cast(extract(month from tanggal_sp2d) as integer) as bulan,

        -- lineage
        cast(_sumber_sha256 as varchar) as sumber_sha256,
        cast(_sumber_berkas as varchar) as sumber_berkas,
        cast(_baris as integer) as sumber_baris,
        cast(_dimuat_pada as timestamp) as dimuat_pada

    from source

)

select * from renamed
