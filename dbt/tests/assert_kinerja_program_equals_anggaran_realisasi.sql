-- Per fiscal year and OPD: pagu akhir and realisation in mart_kinerja_program (and in its
-- drill-down mart_kinerja_sub_kegiatan) equal mart_anggaran_realisasi, to the rupiah.
with

anggaran as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        sum(pagu_akhir_rp) as pagu_akhir_rp,
        sum(realisasi_rp) as realisasi_rp
    from {{ ref('mart_anggaran_realisasi') }}
    group by kode_pemda, tahun, kode_skpd

),

program as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        sum(pagu_akhir_rp) as pagu_akhir_rp,
        sum(realisasi_rp) as realisasi_rp
    from {{ ref('mart_kinerja_program') }}
    group by kode_pemda, tahun, kode_skpd

),

sub_kegiatan as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        sum(pagu_akhir_rp) as pagu_akhir_rp,
        sum(realisasi_rp) as realisasi_rp
    from {{ ref('mart_kinerja_sub_kegiatan') }}
    group by kode_pemda, tahun, kode_skpd

),

compared as (

    select
        coalesce(anggaran.tahun, program.tahun, sub_kegiatan.tahun) as tahun,
        coalesce(anggaran.kode_skpd, program.kode_skpd, sub_kegiatan.kode_skpd) as kode_skpd,
        coalesce(anggaran.pagu_akhir_rp, 0) as pagu_anggaran_rp,
        coalesce(program.pagu_akhir_rp, 0) as pagu_program_rp,
        coalesce(sub_kegiatan.pagu_akhir_rp, 0) as pagu_sub_kegiatan_rp,
        coalesce(anggaran.realisasi_rp, 0) as realisasi_anggaran_rp,
        coalesce(program.realisasi_rp, 0) as realisasi_program_rp,
        coalesce(sub_kegiatan.realisasi_rp, 0) as realisasi_sub_kegiatan_rp
    from anggaran
    full outer join program
        on
            anggaran.kode_pemda = program.kode_pemda
            and anggaran.tahun = program.tahun
            and anggaran.kode_skpd = program.kode_skpd
    full outer join sub_kegiatan
        on
            coalesce(anggaran.kode_pemda, program.kode_pemda) = sub_kegiatan.kode_pemda
            and coalesce(anggaran.tahun, program.tahun) = sub_kegiatan.tahun
            and coalesce(anggaran.kode_skpd, program.kode_skpd) = sub_kegiatan.kode_skpd

)

select * from compared
where
    pagu_anggaran_rp <> pagu_program_rp
    or pagu_anggaran_rp <> pagu_sub_kegiatan_rp
    or realisasi_anggaran_rp <> realisasi_program_rp
    or realisasi_anggaran_rp <> realisasi_sub_kegiatan_rp
