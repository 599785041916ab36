{#- One row per fiscal year x budget phase x OPD x sub kegiatan x account x month: the cash plan
    (anggaran kas) of that month. -#}
with

anggaran_kas as (

    select * from {{ ref('stg_sipd__anggaran_kas') }}

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
        bulan,
        rencana_rp,
        sumber_sha256
    from anggaran_kas

)

select * from final
