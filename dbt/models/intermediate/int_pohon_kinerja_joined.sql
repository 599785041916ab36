{#- The performance cascade (pohon kinerja), one row per fiscal year x OPD x sub kegiatan: the
    sub kegiatan, its kegiatan and program as used in the DPA, the outcome indicator the program
    serves (ref_pohon_kinerja; support programs X.XX.01 serve none), how many indicators each tier
    reported, the output indicator the DPA names for the sub kegiatan (it stands for the sub
    kegiatan's output in cost per output and achievement), and where its money is spent (the
    place with the largest share; jumlah_kelurahan_lokasi counts every kelurahan). Sub kegiatan
    come from the budget (fct_belanja_wilayah) and from the performance reports, so one that is
    reported but not budgeted still appears. -#}
with

-- the place with the largest share of the money stands for the sub kegiatan's location
belanja as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        arg_max(kode_wilayah, (realisasi_rp, pagu_akhir_rp, berlokasi)) as kode_wilayah,
        bool_or(berlokasi) as berlokasi,
        count(*) filter (where berlokasi) as jumlah_kelurahan
    from {{ ref('int_belanja_split_to_wilayah') }}
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan

),

-- the output indicator the DPA names for the sub kegiatan (latest phase): the tree's output
keluaran_dpa as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        arg_max(indikator_keluaran, urutan_tahap) as indikator_keluaran,
        arg_max(satuan_keluaran, urutan_tahap) as satuan_keluaran
    from {{ ref('stg_sipd__dpa_sub_kegiatan') }}
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan

),

kinerja as (

    select * from {{ ref('int_realisasi_kinerja_normalised') }}

),

sub_kegiatan as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan
    from belanja
    union
    select distinct
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan
    from kinerja
    where tingkat = 'sub_kegiatan'

),

jumlah_indikator as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        tingkat,
        kode_nomenklatur,
        count(distinct kode_indikator) as jumlah
    from kinerja
    group by kode_pemda, tahun, kode_skpd, tingkat, kode_nomenklatur

),

pohon as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(kode_program as varchar) as kode_program,
        cast(kode_indikator as varchar) as kode_indikator
    from {{ ref('stg_daftar__pohon_kinerja') }}

),

final as (

    select
        sub_kegiatan.kode_pemda,
        sub_kegiatan.tahun,
        sub_kegiatan.kode_skpd,
        sub_kegiatan.kode_sub_kegiatan,
        substr(sub_kegiatan.kode_sub_kegiatan, 1, 12) as kode_kegiatan,
        substr(sub_kegiatan.kode_sub_kegiatan, 1, 7) as kode_program,
        substr(sub_kegiatan.kode_sub_kegiatan, 6, 2) = '01' as program_penunjang,
        pohon.kode_indikator as kode_indikator_outcome,
        coalesce(keluaran.jumlah, 0) as jumlah_indikator_keluaran,
        coalesce(hasil.jumlah, 0) as jumlah_indikator_hasil,
        coalesce(capaian.jumlah, 0) as jumlah_indikator_capaian,
        coalesce(belanja.kode_wilayah, sub_kegiatan.kode_pemda) as kode_wilayah_lokasi,
        coalesce(belanja.berlokasi, false) as berlokasi,
        cast(coalesce(belanja.jumlah_kelurahan, 0) as integer) as jumlah_kelurahan_lokasi,
        keluaran_dpa.indikator_keluaran as indikator_keluaran_dpa,
        keluaran_dpa.satuan_keluaran as satuan_keluaran_dpa
    from sub_kegiatan
    left join belanja
        on
            sub_kegiatan.kode_pemda = belanja.kode_pemda
            and sub_kegiatan.tahun = belanja.tahun
            and sub_kegiatan.kode_skpd = belanja.kode_skpd
            and sub_kegiatan.kode_sub_kegiatan = belanja.kode_sub_kegiatan
    left join keluaran_dpa
        on
            sub_kegiatan.kode_pemda = keluaran_dpa.kode_pemda
            and sub_kegiatan.tahun = keluaran_dpa.tahun
            and sub_kegiatan.kode_skpd = keluaran_dpa.kode_skpd
            and sub_kegiatan.kode_sub_kegiatan = keluaran_dpa.kode_sub_kegiatan
    left join pohon
        on
            sub_kegiatan.kode_pemda = pohon.kode_pemda
            and substr(sub_kegiatan.kode_sub_kegiatan, 1, 7) = pohon.kode_program
            and substr(sub_kegiatan.kode_sub_kegiatan, 6, 2) <> '01'
    left join jumlah_indikator as keluaran
        on
            sub_kegiatan.kode_pemda = keluaran.kode_pemda
            and sub_kegiatan.tahun = keluaran.tahun
            and sub_kegiatan.kode_skpd = keluaran.kode_skpd
            and keluaran.tingkat = 'sub_kegiatan'
            and sub_kegiatan.kode_sub_kegiatan = keluaran.kode_nomenklatur
    left join jumlah_indikator as hasil
        on
            sub_kegiatan.kode_pemda = hasil.kode_pemda
            and sub_kegiatan.tahun = hasil.tahun
            and sub_kegiatan.kode_skpd = hasil.kode_skpd
            and hasil.tingkat = 'kegiatan'
            and substr(sub_kegiatan.kode_sub_kegiatan, 1, 12) = hasil.kode_nomenklatur
    left join jumlah_indikator as capaian
        on
            sub_kegiatan.kode_pemda = capaian.kode_pemda
            and sub_kegiatan.tahun = capaian.tahun
            and sub_kegiatan.kode_skpd = capaian.kode_skpd
            and capaian.tingkat = 'program'
            and substr(sub_kegiatan.kode_sub_kegiatan, 1, 7) = capaian.kode_nomenklatur

)

select * from final
