{#- One row per OPD (SKPD) code and validity period (SCD type 2: OPDs merge and are renamed, so
    a code can have several periods; tahun_selesai null = still in force). Join a fact on
    kode_skpd and tahun between tahun_mulai and coalesce(tahun_selesai, tahun). Codes used in the
    data but missing from the master get one open-ended row from their first year, names null. -#}
{{ config(materialized='irisan_pemda') }}
with

opd as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(kode_skpd as varchar) as kode_skpd,
        cast(tahun_mulai as integer) as tahun_mulai,
        cast(tahun_selesai as integer) as tahun_selesai,
        cast(nama_skpd as varchar) as nama_skpd,
        cast(singkatan as varchar) as singkatan,
        cast(jenis as varchar) as jenis,
        cast(kode_bidang_urusan_1 as varchar) as kode_bidang_urusan_1,
        cast(kode_bidang_urusan_2 as varchar) as kode_bidang_urusan_2,
        cast(kode_bidang_urusan_3 as varchar) as kode_bidang_urusan_3,
        cast(kode_kecamatan as varchar) as kode_kecamatan,
        true as ada_di_referensi
    from {{ ref('stg_daftar__opd') }}

),

tidak_dikenal as (

    select
        dipakai.kode_pemda,
        dipakai.kode_skpd,
        min(dipakai.tahun) as tahun_mulai,
        cast(null as integer) as tahun_selesai,
        cast(null as varchar) as nama_skpd,
        cast(null as varchar) as singkatan,
        cast(null as varchar) as jenis,
        cast(null as varchar) as kode_bidang_urusan_1,
        cast(null as varchar) as kode_bidang_urusan_2,
        cast(null as varchar) as kode_bidang_urusan_3,
        cast(null as varchar) as kode_kecamatan,
        false as ada_di_referensi
    from {{ ref('int_kode_dipakai_unioned') }} as dipakai
    left join opd
        on
            dipakai.kode_pemda = opd.kode_pemda
            and dipakai.kode_skpd = opd.kode_skpd
    where opd.kode_skpd is null
    group by dipakai.kode_pemda, dipakai.kode_skpd

),

semua as (

    select * from opd
    union all
    select * from tidak_dikenal

),

bidang_urusan as (

    select
        cast(kode_bidang_urusan as varchar) as kode_bidang_urusan,
        cast(nama_bidang_urusan as varchar) as nama_bidang_urusan
    from {{ ref('ref_bidang_urusan_fungsi') }}

),

kecamatan as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(kode_wilayah as varchar) as kode_kecamatan,
        cast(nama as varchar) as nama_kecamatan
    from {{ ref('stg_daftar__wilayah') }}
    where level = 'kecamatan'

),

final as (

    select
        semua.kode_pemda,
        semua.kode_skpd,
        semua.tahun_mulai,
        semua.tahun_selesai,
        semua.nama_skpd,
        semua.singkatan,
        semua.jenis,
        semua.kode_bidang_urusan_1,
        bidang_urusan.nama_bidang_urusan as nama_bidang_urusan_1,
        semua.kode_bidang_urusan_2,
        semua.kode_bidang_urusan_3,
        semua.kode_kecamatan,
        kecamatan.nama_kecamatan,
        semua.tahun_selesai is null as masih_berlaku,
        semua.ada_di_referensi
    from semua
    left join bidang_urusan
        on semua.kode_bidang_urusan_1 = bidang_urusan.kode_bidang_urusan
    left join kecamatan
        on
            semua.kode_pemda = kecamatan.kode_pemda
            and semua.kode_kecamatan = kecamatan.kode_kecamatan

)

select * from final
