-- Per fiscal year x OPD: the murni, perubahan and final pagu in mart_anggaran_realisasi equal
-- fct_anggaran for that phase (final = the OPD's phase with the highest urutan_tahap that year,
-- pergeseran included). Returns each OPD-year where a phase differs.
with

mart as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        max(tahap_akhir) as tahap_akhir,
        sum(pagu_murni_rp) as pagu_murni_rp,
        sum(pagu_perubahan_rp) as pagu_perubahan_rp,
        sum(pagu_akhir_rp) as pagu_akhir_rp
    from {{ ref('mart_anggaran_realisasi') }}
    group by kode_pemda, tahun, kode_skpd

),

tahap_terakhir as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        max(urutan_tahap) as urutan_tahap
    from {{ ref('fct_anggaran') }}
    group by kode_pemda, tahun, kode_skpd

),

fakta as (

    select
        anggaran.kode_pemda,
        anggaran.tahun,
        anggaran.kode_skpd,
        max(case when anggaran.urutan_tahap = terakhir.urutan_tahap then anggaran.tahap end)
            as tahap_akhir,
        sum(case when anggaran.tahap = 'murni' then anggaran.pagu_rp end) as pagu_murni_rp,
        sum(case when anggaran.tahap = 'perubahan' then anggaran.pagu_rp end)
            as pagu_perubahan_rp,
        sum(
            case when anggaran.urutan_tahap = terakhir.urutan_tahap then anggaran.pagu_rp end
        ) as pagu_akhir_rp
    from {{ ref('fct_anggaran') }} as anggaran
    inner join tahap_terakhir as terakhir
        on
            anggaran.kode_pemda = terakhir.kode_pemda
            and anggaran.tahun = terakhir.tahun
            and anggaran.kode_skpd = terakhir.kode_skpd
    group by anggaran.kode_pemda, anggaran.tahun, anggaran.kode_skpd

),

compared as (

    select
        coalesce(mart.kode_pemda, fakta.kode_pemda) as kode_pemda,
        coalesce(mart.tahun, fakta.tahun) as tahun,
        coalesce(mart.kode_skpd, fakta.kode_skpd) as kode_skpd,
        mart.tahap_akhir,
        fakta.tahap_akhir as tahap_akhir_fct,
        mart.pagu_murni_rp as pagu_murni_mart_rp,
        fakta.pagu_murni_rp as pagu_murni_fct_rp,
        mart.pagu_perubahan_rp as pagu_perubahan_mart_rp,
        fakta.pagu_perubahan_rp as pagu_perubahan_fct_rp,
        mart.pagu_akhir_rp as pagu_akhir_mart_rp,
        fakta.pagu_akhir_rp as pagu_akhir_fct_rp
    from mart
    full outer join fakta
        on
            mart.kode_pemda = fakta.kode_pemda
            and mart.tahun = fakta.tahun
            and mart.kode_skpd = fakta.kode_skpd

)

select * from compared
where
    coalesce(pagu_murni_mart_rp, 0) <> coalesce(pagu_murni_fct_rp, 0)
    or coalesce(pagu_perubahan_mart_rp, -1) <> coalesce(pagu_perubahan_fct_rp, -1)
    or coalesce(pagu_akhir_mart_rp, 0) <> coalesce(pagu_akhir_fct_rp, 0)
    or coalesce(tahap_akhir, 'murni') <> coalesce(tahap_akhir_fct, 'murni')
