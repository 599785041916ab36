{#- One pemda's own list, every pemda: the OPD list. Samarinda's
    (64.72) is the seed ref_opd; another pemda's arrives as data in
    landing/<kode_pemda>/referensi/opd/ (source referensi.opd; absent in a single-city
    deployment, hence source_or_empty). The seed stays the list of its own pemda: rows sent for a
    pemda the seed holds are not read. -#}
with

benih as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(kode_skpd as varchar) as kode_skpd,
        cast(nama_skpd as varchar) as nama_skpd,
        cast(singkatan as varchar) as singkatan,
        cast(jenis as varchar) as jenis,
        cast(kode_bidang_urusan_1 as varchar) as kode_bidang_urusan_1,
        cast(kode_bidang_urusan_2 as varchar) as kode_bidang_urusan_2,
        cast(kode_bidang_urusan_3 as varchar) as kode_bidang_urusan_3,
        cast(kode_kecamatan as varchar) as kode_kecamatan,
        cast(tahun_mulai as integer) as tahun_mulai,
        cast(tahun_selesai as integer) as tahun_selesai
    from {{ ref('ref_opd') }}

),

kiriman as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(kode_skpd as varchar) as kode_skpd,
        cast(nama_skpd as varchar) as nama_skpd,
        cast(singkatan as varchar) as singkatan,
        cast(jenis as varchar) as jenis,
        cast(kode_bidang_urusan_1 as varchar) as kode_bidang_urusan_1,
        cast(kode_bidang_urusan_2 as varchar) as kode_bidang_urusan_2,
        cast(kode_bidang_urusan_3 as varchar) as kode_bidang_urusan_3,
        cast(kode_kecamatan as varchar) as kode_kecamatan,
        cast(tahun_mulai as integer) as tahun_mulai,
        cast(tahun_selesai as integer) as tahun_selesai
    from {{ source_or_empty('referensi', 'opd') }}

),

final as (

    select * from benih
    union all
    select kiriman.* from kiriman
    where kiriman.kode_pemda not in (select benih.kode_pemda from benih)

)

select * from final
