{#- One pemda's own list, every pemda: the region list (the pemda, its kecamatan
    and kelurahan). Samarinda's
    (64.72) is the seed ref_wilayah; another pemda's arrives as data in
    landing/<kode_pemda>/referensi/wilayah/ (source referensi.wilayah; absent in a single-city
    deployment, hence source_or_empty). The seed stays the list of its own pemda: rows sent for a
    pemda the seed holds are not read. -#}
with

benih as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(kode_wilayah as varchar) as kode_wilayah,
        cast(level as varchar) as level,
        cast(nama as varchar) as nama,
        cast(kode_kecamatan as varchar) as kode_kecamatan,
        cast(nama_kecamatan as varchar) as nama_kecamatan,
        cast(penduduk_2023 as bigint) as penduduk_2023,
        cast(luas_km2 as decimal(12, 3)) as luas_km2
    from {{ ref('ref_wilayah') }}

),

kiriman as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(kode_wilayah as varchar) as kode_wilayah,
        cast(level as varchar) as level,
        cast(nama as varchar) as nama,
        cast(kode_kecamatan as varchar) as kode_kecamatan,
        cast(nama_kecamatan as varchar) as nama_kecamatan,
        cast(penduduk_2023 as bigint) as penduduk_2023,
        cast(luas_km2 as decimal(12, 3)) as luas_km2
    from {{ source_or_empty('referensi', 'wilayah') }}

),

final as (

    select * from benih
    union all
    select kiriman.* from kiriman
    where kiriman.kode_pemda not in (select benih.kode_pemda from benih)

)

select * from final
