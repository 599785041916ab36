{#- One row per fiscal year x kelurahan: distinct beneficiaries (by NIK pseudonym, over all
    programmes) and the aid they receive. Never published: the marts see only these counts. -#}
with

penerima as (

    select * from {{ ref('stg_dinsos__penerima_bansos') }}

),

final as (

    select
        tahun,
        kode_kelurahan,
        count(distinct nik_hash) as jumlah_penerima,
        count(*) as jumlah_penerimaan,
        cast(sum(nilai_bantuan_rp) as decimal(18, 2)) as nilai_bantuan_rp
    from penerima
    group by tahun, kode_kelurahan

)

select * from final
