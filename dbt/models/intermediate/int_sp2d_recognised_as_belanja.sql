{#- One row per document that is spending realisation under the recognition rule of
    reference.ref_jenis_sp2d: SP2D LS, GU, GU nihil and TU nihil, plus refunds (PENGEMBALIAN,
    negative contra rows) and corrections (KOREKSI, signed), with the file and line it came from.
    UP and TU advances are the treasurer's cash, not spending, and are left out: the realisasi of
    every mart is the sum of nilai_rp here. -#}
{{ config(materialized='irisan_pemda') }}
with

sp2d as (

    select * from {{ ref('stg_bpkad__sp2d') }}

),

jenis as (

    select
        cast(jenis_sp2d as varchar) as jenis_sp2d,
        cast(diakui_belanja as boolean) as diakui_belanja
    from {{ ref('ref_jenis_sp2d') }}

),

final as (

    select
        sp2d.kode_pemda,
        sp2d.nomor_sp2d,
        sp2d.tanggal_sp2d,
        sp2d.tahun,
        sp2d.bulan,
        sp2d.kode_skpd,
        sp2d.kode_sub_kegiatan,
        sp2d.kode_akun,
        sp2d.kode_sumber_dana,
        sp2d.jenis_sp2d,
        sp2d.keterangan,
        sp2d.nilai_rp,
        sp2d.sumber_sha256,
        sp2d.sumber_berkas,
        sp2d.sumber_baris
    from sp2d
    inner join jenis
        on sp2d.jenis_sp2d = jenis.jenis_sp2d
    where jenis.diakui_belanja

)

select * from final
