-- Per fiscal year x phase x OPD x sub kegiatan: the pagu on the DPA equals the sum of its line
-- items (rincian). Returns each sub kegiatan where they differ or one side is missing.
with

sub_kegiatan as (

    select
        kode_pemda,
        tahun,
        tahap,
        kode_skpd,
        kode_sub_kegiatan,
        pagu_rp
    from {{ ref('stg_sipd__dpa_sub_kegiatan') }}

),

rincian as (

    select
        kode_pemda,
        tahun,
        tahap,
        kode_skpd,
        kode_sub_kegiatan,
        sum(total_rp) as total_rincian_rp
    from {{ ref('stg_sipd__dpa_rincian') }}
    group by kode_pemda, tahun, tahap, kode_skpd, kode_sub_kegiatan

),

compared as (

    select
        coalesce(sub_kegiatan.kode_pemda, rincian.kode_pemda) as kode_pemda,
        coalesce(sub_kegiatan.tahun, rincian.tahun) as tahun,
        coalesce(sub_kegiatan.tahap, rincian.tahap) as tahap,
        coalesce(sub_kegiatan.kode_skpd, rincian.kode_skpd) as kode_skpd,
        coalesce(sub_kegiatan.kode_sub_kegiatan, rincian.kode_sub_kegiatan)
            as kode_sub_kegiatan,
        sub_kegiatan.pagu_rp,
        rincian.total_rincian_rp
    from sub_kegiatan
    full outer join rincian
        on
            sub_kegiatan.kode_pemda = rincian.kode_pemda
            and sub_kegiatan.tahun = rincian.tahun
            and sub_kegiatan.tahap = rincian.tahap
            and sub_kegiatan.kode_skpd = rincian.kode_skpd
            and sub_kegiatan.kode_sub_kegiatan = rincian.kode_sub_kegiatan

)

select * from compared
where
    pagu_rp is null
    or coalesce(pagu_rp, 0) <> coalesce(total_rincian_rp, 0)
