{#- One row per fiscal year x OPD x sub kegiatan: its final pagu and SP2D realisation, placed in
    the kelurahan its DPA names as location (SIPD lokasi; the latest phase that lists the sub
    kegiatan decides). A sub kegiatan without a location - or paid without any DPA row - is
    city-wide: kode_wilayah 64.72, berlokasi false. Nothing is dropped, so per year the sum of
    realisasi_rp equals the SP2D total to the rupiah (tests/assert_belanja_wilayah_...). -#}
with

baris as (

    select
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        max(nama_skpd) as nama_skpd,
        max(kode_program) as kode_program,
        max(kode_fungsi) as kode_fungsi,
        max(nama_fungsi) as nama_fungsi,
        cast(sum(pagu_akhir_rp) as decimal(18, 2)) as pagu_akhir_rp,
        cast(sum(realisasi_rp) as decimal(18, 2)) as realisasi_rp
    from {{ ref('mart_anggaran_realisasi') }}
    group by tahun, kode_skpd, kode_sub_kegiatan

),

sumber as (

    select
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        {{ sumber_sha256_unnest('sumber_sha256') }} as sumber_sha256
    from {{ ref('mart_anggaran_realisasi') }}

),

sumber_per_baris as (

    select
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        {{ sumber_sha256_agg('sumber_sha256') }} as sumber_sha256
    from sumber
    group by tahun, kode_skpd, kode_sub_kegiatan

),

lokasi as (

    select
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        arg_max(kode_kelurahan, urutan_tahap) as kode_kelurahan
    from {{ ref('stg_sipd__dpa_sub_kegiatan') }}
    group by tahun, kode_skpd, kode_sub_kegiatan

),

kelurahan as (

    select
        kode_wilayah,
        kode_kecamatan
    from {{ ref('dim_wilayah') }}
    where level = 'kelurahan'

),

final as (

    select
        baris.tahun,
        baris.kode_skpd,
        baris.kode_sub_kegiatan,
        baris.nama_skpd,
        coalesce(baris.kode_program, substr(baris.kode_sub_kegiatan, 1, 7)) as kode_program,
        baris.kode_fungsi,
        baris.nama_fungsi,
        coalesce(kelurahan.kode_wilayah, '64.72') as kode_wilayah,
        kelurahan.kode_kecamatan,
        kelurahan.kode_wilayah is not null as berlokasi,
        baris.pagu_akhir_rp,
        baris.realisasi_rp,
        sumber_per_baris.sumber_sha256
    from baris
    left join sumber_per_baris
        on
            baris.tahun = sumber_per_baris.tahun
            and baris.kode_skpd = sumber_per_baris.kode_skpd
            and baris.kode_sub_kegiatan = sumber_per_baris.kode_sub_kegiatan
    left join lokasi
        on
            baris.tahun = lokasi.tahun
            and baris.kode_skpd = lokasi.kode_skpd
            and baris.kode_sub_kegiatan = lokasi.kode_sub_kegiatan
    left join kelurahan
        on lokasi.kode_kelurahan = kelurahan.kode_wilayah

)

select * from final
