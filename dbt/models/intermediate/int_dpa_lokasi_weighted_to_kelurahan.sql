{#- One row per fiscal year x OPD x sub kegiatan x account (kode_akun, or null for the whole sub
    kegiatan) x location the DPA lists x kelurahan it lands in: the weight of that place in the
    money of the account. fct_belanja_wilayah splits SP2D realisation and pagu with it.

    The DPA of the latest phase that lists the sub kegiatan decides (as for the pagu). The rule:
    1. Every rincian line is placed in its own kode_lokasi, else in the sub kegiatan's
       kode_kelurahan, else seluruh kota. Its weight is its total_rp (dasar_lokasi says which of
       the three placed it: lokasi_rincian, lokasi_sub_kegiatan, tanpa_lokasi).
    2. A kecamatan code (64.72.KK) is split equally over the kelurahan of that kecamatan; 64.72,
       an empty location or a code that is not a Samarinda kelurahan or kecamatan is seluruh kota
       (kode_wilayah 64.72).
    3. The rows with kode_akun null carry the weights of the whole sub kegiatan (all its rincian,
       or its own location at weight 1 when it has none): they place an account that was paid
       without a rincian line in that phase.
    bobot is an integer numerator (rupiah cents x 27720 / number of kelurahan it is split over;
    27720 is divisible by 1..12), so the split in fct_belanja_wilayah stays in exact integers.
    A table, not a view: as a view, each of its four data tests computed it again (55 s of the
    100-pemda build), and so did the model reading it. -#}
{{ config(materialized='irisan_pemda') }}
with

sub_kegiatan as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        max(urutan_tahap) as urutan_tahap,
        arg_max(nullif(trim(kode_kelurahan), ''), urutan_tahap) as kode_lokasi_sub_kegiatan
    from {{ ref('stg_sipd__dpa_sub_kegiatan') }}
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan

),

rincian as (

    select
        rincian.kode_pemda,
        rincian.tahun,
        rincian.kode_skpd,
        rincian.kode_sub_kegiatan,
        rincian.kode_akun,
        coalesce(
            nullif(trim(rincian.kode_lokasi), ''), sub_kegiatan.kode_lokasi_sub_kegiatan,
            rincian.kode_pemda
        ) as kode_lokasi,
        case
            when nullif(trim(rincian.kode_lokasi), '') is not null then 'lokasi_rincian'
            when sub_kegiatan.kode_lokasi_sub_kegiatan is not null then 'lokasi_sub_kegiatan'
            else 'tanpa_lokasi'
        end as dasar_lokasi,
        cast(round(greatest(rincian.total_rp, 0) * 100) as hugeint) as bobot_sen
    from {{ ref('stg_sipd__dpa_rincian') }} as rincian
    inner join sub_kegiatan
        on
            rincian.kode_pemda = sub_kegiatan.kode_pemda
            and rincian.tahun = sub_kegiatan.tahun
            and rincian.kode_skpd = sub_kegiatan.kode_skpd
            and rincian.kode_sub_kegiatan = sub_kegiatan.kode_sub_kegiatan
            and rincian.urutan_tahap = sub_kegiatan.urutan_tahap

),

per_akun as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_lokasi,
        dasar_lokasi,
        sum(bobot_sen) as bobot_sen
    from rincian
    group by all

),

per_sub_kegiatan as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        cast(null as varchar) as kode_akun,
        kode_lokasi,
        dasar_lokasi,
        sum(bobot_sen) as bobot_sen
    from rincian
    group by all

),

-- a sub kegiatan without rincian in its latest phase: its own location, weight 1
tanpa_rincian as (

    select
        sub_kegiatan.kode_pemda,
        sub_kegiatan.tahun,
        sub_kegiatan.kode_skpd,
        sub_kegiatan.kode_sub_kegiatan,
        cast(null as varchar) as kode_akun,
        coalesce(sub_kegiatan.kode_lokasi_sub_kegiatan, sub_kegiatan.kode_pemda) as kode_lokasi,
        case
            when sub_kegiatan.kode_lokasi_sub_kegiatan is not null then 'lokasi_sub_kegiatan'
            else 'tanpa_lokasi'
        end as dasar_lokasi,
        cast(1 as hugeint) as bobot_sen
    from sub_kegiatan
    anti join per_sub_kegiatan
        on
            sub_kegiatan.kode_pemda = per_sub_kegiatan.kode_pemda
            and sub_kegiatan.tahun = per_sub_kegiatan.tahun
            and sub_kegiatan.kode_skpd = per_sub_kegiatan.kode_skpd
            and sub_kegiatan.kode_sub_kegiatan = per_sub_kegiatan.kode_sub_kegiatan

),

lokasi as (

    select * from per_akun
    union all
    select * from per_sub_kegiatan
    union all
    select * from tanpa_rincian

),

kelurahan as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(kode_wilayah as varchar) as kode_wilayah,
        cast(kode_kecamatan as varchar) as kode_kecamatan,
        count(*) over (partition by kode_pemda, kode_kecamatan) as jumlah_kelurahan_kecamatan
    from {{ ref('int_wilayah_typed') }}
    where level = 'kelurahan'

),

diperluas as (

    select
        lokasi.kode_pemda,
        lokasi.tahun,
        lokasi.kode_skpd,
        lokasi.kode_sub_kegiatan,
        lokasi.kode_akun,
        lokasi.kode_lokasi,
        lokasi.dasar_lokasi,
        coalesce(kelurahan.kode_wilayah, lokasi.kode_pemda) as kode_wilayah,
        coalesce(kelurahan.kode_wilayah <> lokasi.kode_lokasi, false) as dibagi_rata_kecamatan,
        lokasi.bobot_sen * 27720
        // case
            when kelurahan.kode_wilayah = lokasi.kode_lokasi then 1
            else coalesce(kelurahan.jumlah_kelurahan_kecamatan, 1)
        end as bobot
    from lokasi
    left join kelurahan
        on
            lokasi.kode_pemda = kelurahan.kode_pemda
            and (
                lokasi.kode_lokasi = kelurahan.kode_wilayah
                or lokasi.kode_lokasi = kelurahan.kode_kecamatan
            )

),

final as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(tahun as integer) as tahun,
        cast(kode_skpd as varchar) as kode_skpd,
        cast(kode_sub_kegiatan as varchar) as kode_sub_kegiatan,
        cast(kode_akun as varchar) as kode_akun,
        cast(kode_lokasi as varchar) as kode_lokasi,
        cast(dasar_lokasi as varchar) as dasar_lokasi,
        cast(kode_wilayah as varchar) as kode_wilayah,
        kode_wilayah <> kode_pemda as berlokasi,
        dibagi_rata_kecamatan,
        cast(bobot as hugeint) as bobot
    from diperluas

)

select * from final
