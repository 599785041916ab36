{#- One row per fiscal year x budget phase present that year x OPD x sub kegiatan x account x
    funding source: the budget POSITION at that phase. The city's APBD at phase T is, for each OPD,
    its DPA at the latest phase it has that is not after T (an OPD without a pergeseran keeps its
    murni; an OPD without a perubahan keeps its latest pergeseran or murni). `tahap_dipakai` says
    which of the OPD's own phases stands in. -#}
with

anggaran as (

    select
        kode_pemda,
        tahun,
        tahap,
        urutan_tahap,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        pagu_rp,
        sumber_sha256
    from {{ ref('int_anggaran_summed_to_akun') }}

),

{{ posisi_tahap('anggaran') }},

final as (

    select
        posisi.kode_pemda,
        posisi.tahun,
        posisi.tahap,
        posisi.urutan_tahap,
        anggaran.tahap as tahap_dipakai,
        anggaran.kode_skpd,
        anggaran.kode_sub_kegiatan,
        anggaran.kode_akun,
        anggaran.kode_sumber_dana,
        anggaran.pagu_rp,
        anggaran.sumber_sha256
    from posisi
    inner join anggaran
        on
            posisi.kode_pemda = anggaran.kode_pemda
            and posisi.tahun = anggaran.tahun
            and posisi.kode_skpd = anggaran.kode_skpd
            and posisi.urutan_tahap_dipakai = anggaran.urutan_tahap

)

select * from final
