-- Per fiscal year: realisation in mart_anggaran_realisasi equals the sum of every SP2D in
-- fct_realisasi to the rupiah, and so does the number of SP2D. Returns each year that differs.
with

mart as (

    select
        kode_pemda,
        tahun,
        sum(realisasi_rp) as realisasi_rp,
        sum(jumlah_sp2d) as jumlah_sp2d
    from {{ ref('mart_anggaran_realisasi') }}
    group by kode_pemda, tahun

),

fakta as (

    select
        kode_pemda,
        tahun,
        sum(nilai_rp) as realisasi_rp,
        count(*) as jumlah_sp2d
    from {{ ref('fct_realisasi') }}
    group by kode_pemda, tahun

),

compared as (

    select
        coalesce(mart.kode_pemda, fakta.kode_pemda) as kode_pemda,
        coalesce(mart.tahun, fakta.tahun) as tahun,
        mart.realisasi_rp as realisasi_mart_rp,
        fakta.realisasi_rp as realisasi_fct_rp,
        mart.jumlah_sp2d as jumlah_sp2d_mart,
        fakta.jumlah_sp2d as jumlah_sp2d_fct
    from mart
    full outer join fakta
        on
            mart.kode_pemda = fakta.kode_pemda
            and mart.tahun = fakta.tahun

)

select * from compared
where
    coalesce(realisasi_mart_rp, 0) <> coalesce(realisasi_fct_rp, 0)
    or coalesce(jumlah_sp2d_mart, 0) <> coalesce(jumlah_sp2d_fct, 0)
