{#- Every code combination that occurs in any source row, per fiscal year: the dimensions include
    each of them (with null names when a code is missing from its code list), so every foreign key
    in a fact or mart resolves. -#}
{{ config(materialized='irisan_pemda') }}
with

dpa_sub_kegiatan as (

    select
        kode_pemda,
        'sipd.dpa_sub_kegiatan' as sumber,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        cast(null as varchar) as kode_akun,
        cast(null as varchar) as kode_sumber_dana
    from {{ ref('stg_sipd__dpa_sub_kegiatan') }}

),

dpa_rincian as (

    select
        kode_pemda,
        'sipd.dpa_rincian' as sumber,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana
    from {{ ref('stg_sipd__dpa_rincian') }}

),

anggaran_kas as (

    select
        kode_pemda,
        'sipd.anggaran_kas' as sumber,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        cast(null as varchar) as kode_sumber_dana
    from {{ ref('stg_sipd__anggaran_kas') }}
    where bulan = 1

),

sp2d as (

    select
        kode_pemda,
        'bpkad.sp2d' as sumber,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana
    from {{ ref('stg_bpkad__sp2d') }}

),

realisasi_kinerja as (

    select
        kode_pemda,
        'opd.realisasi_kinerja' as sumber,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        cast(null as varchar) as kode_akun,
        cast(null as varchar) as kode_sumber_dana
    from {{ ref('stg_opd__realisasi_kinerja') }}
    where tingkat = 'sub_kegiatan'

),

unioned as (

    select * from dpa_sub_kegiatan
    union all
    select * from dpa_rincian
    union all
    select * from anggaran_kas
    union all
    select * from sp2d
    union all
    select * from realisasi_kinerja

),

final as (

    select distinct
        kode_pemda,
        sumber,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana
    from unioned

)

select * from final
