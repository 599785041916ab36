-- Per fiscal year x phase x OPD x sub kegiatan x account: the twelve months of the cash plan add
-- up to the DPA line items of the same phase. Returns each line where they differ or one side is
-- missing. Severity warn: see tests/_singular__tests.yml.
with

kas as (

    select
        kode_pemda,
        tahun,
        tahap,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        sum(rencana_rp) as rencana_rp
    from {{ ref('stg_sipd__anggaran_kas') }}
    group by kode_pemda, tahun, tahap, kode_skpd, kode_sub_kegiatan, kode_akun

),

rincian as (

    select
        kode_pemda,
        tahun,
        tahap,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        sum(total_rp) as total_rincian_rp
    from {{ ref('stg_sipd__dpa_rincian') }}
    group by kode_pemda, tahun, tahap, kode_skpd, kode_sub_kegiatan, kode_akun

),

compared as (

    select
        coalesce(kas.kode_pemda, rincian.kode_pemda) as kode_pemda,
        coalesce(kas.tahun, rincian.tahun) as tahun,
        coalesce(kas.tahap, rincian.tahap) as tahap,
        coalesce(kas.kode_skpd, rincian.kode_skpd) as kode_skpd,
        coalesce(kas.kode_sub_kegiatan, rincian.kode_sub_kegiatan) as kode_sub_kegiatan,
        coalesce(kas.kode_akun, rincian.kode_akun) as kode_akun,
        kas.rencana_rp,
        rincian.total_rincian_rp
    from kas
    full outer join rincian
        on
            kas.kode_pemda = rincian.kode_pemda
            and kas.tahun = rincian.tahun
            and kas.tahap = rincian.tahap
            and kas.kode_skpd = rincian.kode_skpd
            and kas.kode_sub_kegiatan = rincian.kode_sub_kegiatan
            and kas.kode_akun = rincian.kode_akun

)

select * from compared
where coalesce(rencana_rp, 0) <> coalesce(total_rincian_rp, 0)
