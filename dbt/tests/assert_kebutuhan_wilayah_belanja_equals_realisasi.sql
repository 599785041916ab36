-- Per fiscal year: belanja_rp of every kelurahan row plus the city row (unlocated spending) of
-- mart_kebutuhan_wilayah equals the SP2D total in fct_realisasi, to the rupiah.
with

mart as (

    select
        tahun,
        sum(belanja_rp) filter (where tingkat_wilayah = 'kelurahan') as kelurahan_rp,
        sum(belanja_rp) filter (where tingkat_wilayah = 'kota') as seluruh_kota_rp
    from {{ ref('mart_kebutuhan_wilayah') }}
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
        coalesce(mart.tahun, fakta.tahun) as tahun,
        mart.kelurahan_rp,
        mart.seluruh_kota_rp,
        fakta.realisasi_rp
    from mart
    full outer join fakta
        on mart.tahun = fakta.tahun

)

select * from compared
where coalesce(kelurahan_rp, 0) + coalesce(seluruh_kota_rp, 0) <> coalesce(realisasi_rp, 0)
