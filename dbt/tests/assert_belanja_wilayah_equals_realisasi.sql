-- Per fiscal year: spending allocated to kelurahan plus city-wide spending in fct_belanja_wilayah
-- equals the sum of every SP2D in fct_realisasi, to the rupiah. Returns each year that differs.
with

wilayah as (

    select
        tahun,
        sum(realisasi_rp) filter (where berlokasi) as berlokasi_rp,
        sum(realisasi_rp) filter (where not berlokasi) as seluruh_kota_rp
    from {{ ref('fct_belanja_wilayah') }}
    group by tahun

),

fakta as (

    select
        tahun,
        sum(nilai_rp) as realisasi_rp
    from {{ ref('fct_realisasi') }}
    group by tahun

),

compared as (

    select
        coalesce(wilayah.tahun, fakta.tahun) as tahun,
        wilayah.berlokasi_rp,
        wilayah.seluruh_kota_rp,
        fakta.realisasi_rp
    from wilayah
    full outer join fakta
        on wilayah.tahun = fakta.tahun

)

select * from compared
where
    coalesce(berlokasi_rp, 0) + coalesce(seluruh_kota_rp, 0) <> coalesce(realisasi_rp, 0)
