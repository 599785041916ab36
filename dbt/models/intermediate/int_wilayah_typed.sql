{#- One row per pemda x region code (Kemendagri; 64.72... for Kota Samarinda): the pemda, its
    kecamatan and its kelurahan, with the kecamatan each belongs to. Population and area where
    known. -#}
with

wilayah as (

    select * from {{ ref('stg_daftar__wilayah') }}

),

final as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(kode_wilayah as varchar) as kode_wilayah,
        cast(level as varchar) as level,
        cast(nama as varchar) as nama,
        cast(kode_kecamatan as varchar) as kode_kecamatan,
        cast(nama_kecamatan as varchar) as nama_kecamatan,
        substr(cast(kode_wilayah as varchar), 1, 5) as kode_kota,
        cast(penduduk_2023 as bigint) as penduduk_2023,
        cast(luas_km2 as decimal(12, 3)) as luas_km2
    from wilayah

)

select * from final
