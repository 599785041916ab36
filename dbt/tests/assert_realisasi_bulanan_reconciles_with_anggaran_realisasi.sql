-- Per fiscal year x OPD x sub kegiatan x account: in mart_realisasi_bulanan, December's
-- cumulative realisation equals the line's realisation in mart_anggaran_realisasi, the pagu
-- matches, and every line has exactly twelve months. Returns each line that does not reconcile
-- (a line with a cash plan only, no pagu and no payment, is in the monthly mart alone: fine).
with

bulanan as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        count(*) as jumlah_bulan,
        sum(realisasi_rp) as realisasi_rp,
        max(case when bulan = 12 then realisasi_kumulatif_rp end) as realisasi_desember_rp,
        max(pagu_akhir_rp) as pagu_akhir_rp
    from {{ ref('mart_realisasi_bulanan') }}
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan, kode_akun

),

tahunan as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        sum(realisasi_rp) as realisasi_rp,
        sum(pagu_akhir_rp) as pagu_akhir_rp
    from {{ ref('mart_anggaran_realisasi') }}
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan, kode_akun

),

compared as (

    select
        coalesce(bulanan.kode_pemda, tahunan.kode_pemda) as kode_pemda,
        coalesce(bulanan.tahun, tahunan.tahun) as tahun,
        coalesce(bulanan.kode_skpd, tahunan.kode_skpd) as kode_skpd,
        coalesce(bulanan.kode_sub_kegiatan, tahunan.kode_sub_kegiatan) as kode_sub_kegiatan,
        coalesce(bulanan.kode_akun, tahunan.kode_akun) as kode_akun,
        bulanan.jumlah_bulan,
        bulanan.realisasi_rp as realisasi_bulanan_rp,
        bulanan.realisasi_desember_rp,
        tahunan.realisasi_rp as realisasi_tahunan_rp,
        bulanan.pagu_akhir_rp as pagu_akhir_bulanan_rp,
        tahunan.pagu_akhir_rp as pagu_akhir_tahunan_rp
    from bulanan
    full outer join tahunan
        on
            bulanan.kode_pemda = tahunan.kode_pemda
            and bulanan.tahun = tahunan.tahun
            and bulanan.kode_skpd = tahunan.kode_skpd
            and bulanan.kode_sub_kegiatan = tahunan.kode_sub_kegiatan
            and bulanan.kode_akun = tahunan.kode_akun

)

select * from compared
where
    jumlah_bulan is null
    or jumlah_bulan <> 12
    or coalesce(realisasi_bulanan_rp, 0) <> coalesce(realisasi_tahunan_rp, 0)
    or coalesce(realisasi_desember_rp, 0) <> coalesce(realisasi_tahunan_rp, 0)
    or coalesce(pagu_akhir_bulanan_rp, 0) <> coalesce(pagu_akhir_tahunan_rp, 0)
