{#- One row per data year x region (kota, kecamatan, kelurahan) x outcome indicator x source:
    the value as the producer reported it. Survey and administrative sources of the same indicator
    (SSGI and e-PPGBM stunting) are separate rows, never averaged; sumber_acuan says which source
    the city uses at that level. perbaikan is the change since the previous year of the same
    series, signed so that positive is better (for lower-is-better indicators the sign flips). -#}
with

outcome as (

    select * from {{ ref('stg_bps__indikator_wilayah') }}

),

indikator as (

    select
        cast(kode_indikator as varchar) as kode_indikator,
        cast(kode_satuan as varchar) as kode_satuan,
        cast(arah as varchar) as arah,
        cast(sumber_acuan_kota as varchar) as sumber_acuan_kota,
        cast(sumber_acuan_kelurahan as varchar) as sumber_acuan_kelurahan
    from {{ ref('ref_indikator') }}

),

wilayah as (

    select
        kode_pemda,
        kode_wilayah,
        level
    from {{ ref('int_wilayah_typed') }}

),

dengan_tahun_lalu as (

    select
        outcome.*,
        lag(outcome.nilai) over (
            partition by
                outcome.kode_pemda, outcome.kode_wilayah, outcome.kode_indikator, outcome.sumber
            order by outcome.tahun
        ) as nilai_tahun_lalu,
        lag(outcome.tahun) over (
            partition by
                outcome.kode_pemda, outcome.kode_wilayah, outcome.kode_indikator, outcome.sumber
            order by outcome.tahun
        ) as tahun_lalu
    from outcome

),

final as (

    select
        dengan_tahun_lalu.kode_pemda,
        dengan_tahun_lalu.tahun,
        dengan_tahun_lalu.kode_wilayah,
        wilayah.level as tingkat_wilayah,
        dengan_tahun_lalu.kode_indikator,
        dengan_tahun_lalu.sumber,
        coalesce(
            dengan_tahun_lalu.sumber
            = case
                when wilayah.level = 'kelurahan' then indikator.sumber_acuan_kelurahan
                else indikator.sumber_acuan_kota
            end,
            false
        ) as sumber_acuan,
        dengan_tahun_lalu.metode,
        indikator.kode_satuan,
        dengan_tahun_lalu.satuan_asli,
        indikator.arah,
        dengan_tahun_lalu.nilai,
        case
            when dengan_tahun_lalu.tahun_lalu = dengan_tahun_lalu.tahun - 1
                then dengan_tahun_lalu.nilai_tahun_lalu
        end as nilai_tahun_lalu,
        case
            when dengan_tahun_lalu.tahun_lalu = dengan_tahun_lalu.tahun - 1
                then cast(
                        (dengan_tahun_lalu.nilai - dengan_tahun_lalu.nilai_tahun_lalu)
                        * case when indikator.arah = 'turun' then -1 else 1 end
                        as decimal(18, 4)
                    )
        end as perbaikan,
        dengan_tahun_lalu.sumber_sha256,
        dengan_tahun_lalu.sumber_berkas,
        dengan_tahun_lalu.sumber_baris
    from dengan_tahun_lalu
    left join indikator
        on dengan_tahun_lalu.kode_indikator = indikator.kode_indikator
    left join wilayah
        on
            dengan_tahun_lalu.kode_pemda = wilayah.kode_pemda
            and dengan_tahun_lalu.kode_wilayah = wilayah.kode_wilayah

)

select * from final
