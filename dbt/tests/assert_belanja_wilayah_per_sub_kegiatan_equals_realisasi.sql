-- Per fiscal year x OPD x sub kegiatan: realisation and pagu akhir split over kelurahan and the
-- city-wide row of fct_belanja_wilayah add up to mart_anggaran_realisasi, to the rupiah, and no
-- share is negative where the whole is not. Returns each sub kegiatan that differs.
with

wilayah as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        sum(realisasi_rp) as realisasi_rp,
        sum(pagu_akhir_rp) as pagu_akhir_rp,
        count(*) filter (where seluruh_kota) as baris_seluruh_kota,
        min(realisasi_rp) as realisasi_terkecil_rp
    from {{ ref('fct_belanja_wilayah') }}
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan

),

anggaran as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        sum(realisasi_rp) as realisasi_rp,
        sum(pagu_akhir_rp) as pagu_akhir_rp,
        min(realisasi_rp) as realisasi_terkecil_rp
    from {{ ref('mart_anggaran_realisasi') }}
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan

),

compared as (

    select
        coalesce(wilayah.kode_pemda, anggaran.kode_pemda) as kode_pemda,
        coalesce(wilayah.tahun, anggaran.tahun) as tahun,
        coalesce(wilayah.kode_skpd, anggaran.kode_skpd) as kode_skpd,
        coalesce(wilayah.kode_sub_kegiatan, anggaran.kode_sub_kegiatan) as kode_sub_kegiatan,
        wilayah.realisasi_rp as wilayah_realisasi_rp,
        anggaran.realisasi_rp as anggaran_realisasi_rp,
        wilayah.pagu_akhir_rp as wilayah_pagu_akhir_rp,
        anggaran.pagu_akhir_rp as anggaran_pagu_akhir_rp,
        wilayah.baris_seluruh_kota,
        wilayah.realisasi_terkecil_rp < 0 and anggaran.realisasi_terkecil_rp >= 0 as bagian_negatif
    from wilayah
    full outer join anggaran
        on
            wilayah.kode_pemda = anggaran.kode_pemda
            and wilayah.tahun = anggaran.tahun
            and wilayah.kode_skpd = anggaran.kode_skpd
            and wilayah.kode_sub_kegiatan = anggaran.kode_sub_kegiatan

)

select * from compared
where
    coalesce(wilayah_realisasi_rp, 0) <> coalesce(anggaran_realisasi_rp, 0)
    or coalesce(wilayah_pagu_akhir_rp, 0) <> coalesce(anggaran_pagu_akhir_rp, 0)
    or baris_seluruh_kota > 1
    or bagian_negatif
