{#- One row per SP2D (treasury payment order): the authoritative spending realisation, with the
    file and line it came from. -#}
with

sp2d as (

    select * from {{ ref('stg_bpkad__sp2d') }}

),

final as (

    select
        nomor_sp2d,
        tanggal_sp2d,
        tahun,
        bulan,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        jenis_sp2d,
        keterangan,
        nilai_rp,
        sumber_sha256,
        sumber_berkas,
        sumber_baris
    from sp2d

)

select * from final
