with

source as (

    select * from {{ source('bps', 'indikator_wilayah') }}

),

renamed as (

    select
        -- keys
        cast(tahun as integer) as tahun,
        cast(kode_wilayah as varchar) as kode_wilayah,
        cast(kode_indikator as varchar) as kode_indikator,
        cast(sumber as varchar) as sumber,

        -- attributes as written in the file
        cast(nama_wilayah as varchar) as nama_wilayah,
        cast(nama_indikator as varchar) as nama_indikator,
        cast(satuan as varchar) as satuan_asli,
        cast(metode as varchar) as metode,
        cast(catatan as varchar) as catatan,

        -- numbers
        cast(nilai as decimal(18, 4)) as nilai,

        -- lineage
        cast(_sumber_sha256 as varchar) as sumber_sha256,
        cast(_sumber_berkas as varchar) as sumber_berkas,
        cast(_baris as integer) as sumber_baris,
        cast(_dimuat_pada as timestamp) as dimuat_pada

    from source

)

select * from renamed
