{#- One row per fiscal year x budget phase present that year x rincian line of the city's DPA at
    that phase: each OPD's lines at the latest phase it has that is not after it (the rule of
    int_anggaran_carried_to_tahap, line by line). `tahap_dipakai` says which of the OPD's own
    phases stands in; `nama_baku` is the component name the line matching compares (lower case,
    letters and digits, single spaces). -#}
with

rincian as (

    select * from {{ ref('stg_sipd__dpa_rincian') }}

),

{{ posisi_tahap('rincian') }},

final as (

    select
        posisi.kode_pemda,
        posisi.tahun,
        posisi.tahap,
        posisi.urutan_tahap,
        rincian.tahap as tahap_dipakai,
        rincian.kode_skpd,
        rincian.kode_sub_kegiatan,
        rincian.no_rincian,
        rincian.kode_skpd || '|' || rincian.kode_sub_kegiatan || '|'
        || cast(rincian.no_rincian as varchar) as kunci_rincian,
        rincian.kode_akun,
        rincian.kode_sumber_dana,
        rincian.uraian_komponen,
        trim(
            regexp_replace(lower(coalesce(rincian.uraian_komponen, '')), '[^a-z0-9]+', ' ', 'g')
        ) as nama_baku,
        rincian.volume,
        rincian.satuan,
        rincian.harga_satuan_rp,
        rincian.total_rp,
        rincian.kode_lokasi,
        rincian.sumber_sha256
    from posisi
    inner join rincian
        on
            posisi.kode_pemda = rincian.kode_pemda
            and posisi.tahun = rincian.tahun
            and posisi.kode_skpd = rincian.kode_skpd
            and posisi.urutan_tahap_dipakai = rincian.urutan_tahap

)

select * from final
