{#- The CTEs tahap_tahun, tahap_opd and posisi over the relation (CTE) `sumber`, which has tahun,
    tahap, urutan_tahap and kode_skpd: for every phase present in a year, each OPD's latest phase
    not after it (posisi.urutan_tahap_dipakai). The one place of the rule "the city's APBD at
    phase T is each OPD's DPA at its latest phase not after T"; used by
    int_anggaran_carried_to_tahap (per akun) and int_rincian_carried_to_tahap (per line).
    Call it after the CTE `sumber` and a comma; it ends without one. -#}
{% macro posisi_tahap(sumber) -%}
tahap_tahun as (

    select distinct
        kode_pemda,
        tahun,
        tahap,
        urutan_tahap
    from {{ sumber }}

),

tahap_opd as (

    select distinct
        kode_pemda,
        tahun,
        kode_skpd,
        urutan_tahap
    from {{ sumber }}

),

posisi as (

    select
        tahap_tahun.kode_pemda,
        tahap_tahun.tahun,
        tahap_tahun.tahap,
        tahap_tahun.urutan_tahap,
        tahap_opd.kode_skpd,
        max(tahap_opd.urutan_tahap) as urutan_tahap_dipakai
    from tahap_tahun
    inner join tahap_opd
        on
            tahap_tahun.kode_pemda = tahap_opd.kode_pemda
            and tahap_tahun.tahun = tahap_opd.tahun
            and tahap_tahun.urutan_tahap >= tahap_opd.urutan_tahap
    group by
        tahap_tahun.kode_pemda,
        tahap_tahun.tahun,
        tahap_tahun.tahap,
        tahap_tahun.urutan_tahap,
        tahap_opd.kode_skpd

)
{%- endmacro %}
