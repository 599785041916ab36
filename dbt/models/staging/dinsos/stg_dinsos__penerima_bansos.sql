{#- Pseudonymised at ingest: NIK, name and birth date never reach raw Parquet (architecture
    rule 6); only their pseudonym (nik_hash) and the age band arrive here. -#}
with

source as (

    select * from {{ source('dinsos', 'penerima_bansos') }}

),

renamed as (

    select
        -- keys
        cast(tahun as integer) as tahun,
        cast(nik_hash as varchar) as nik_hash,
        cast(program_bansos as varchar) as program_bansos,

        -- attributes
        cast(kelompok_umur as varchar) as kelompok_umur,
        cast(jenis_kelamin as varchar) as jenis_kelamin,
        cast(kode_kelurahan as varchar) as kode_kelurahan,
        cast(kode_sub_kegiatan as varchar) as kode_sub_kegiatan,

        -- numbers
        cast(nilai_bantuan_rp as decimal(18, 2)) as nilai_bantuan_rp,

        -- lineage
        cast(_sumber_sha256 as varchar) as sumber_sha256,
        cast(_sumber_berkas as varchar) as sumber_berkas,
        cast(_baris as integer) as sumber_baris,
        cast(_dimuat_pada as timestamp) as dimuat_pada

    from source

)

select * from renamed
