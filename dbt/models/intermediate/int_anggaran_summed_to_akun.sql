{#- One row per fiscal year x budget phase x OPD x sub kegiatan x account x funding source: the
    pagu of the DPA at that phase, summed from its line items (rincian). -#}
{{ config(materialized='irisan_pemda') }}
with

rincian as (

    select * from {{ ref('stg_sipd__dpa_rincian') }}

),

final as (

    select
        kode_pemda,
        tahun,
        tahap,
        urutan_tahap,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        cast(sum(total_rp) as decimal(18, 2)) as pagu_rp,
        cast(count(*) as integer) as jumlah_rincian,
        {{ sumber_sha256_agg('sumber_sha256') }} as sumber_sha256
    from rincian
    group by
        kode_pemda,
        tahun,
        tahap,
        urutan_tahap,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana

)

select * from final
