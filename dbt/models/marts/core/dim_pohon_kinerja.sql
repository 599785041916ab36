{#- The performance cascade (pohon kinerja), one row per fiscal year x OPD x sub kegiatan: the
    sub kegiatan, its kegiatan and program as used in the DPA, the outcome indicator the program
    serves (ref_pohon_kinerja; support programs X.XX.01 serve none), how many indicators each tier
    reported, and where the sub kegiatan's money is spent. Sub kegiatan come from the budget
    (fct_belanja_wilayah) and from the performance reports, so one that is reported but not
    budgeted still appears. -#}
with

belanja as (

    select
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_wilayah,
        berlokasi
    from {{ ref('fct_belanja_wilayah') }}

),

kinerja as (

    select * from {{ ref('int_realisasi_kinerja_normalised') }}

),

sub_kegiatan as (

    select
        tahun,
        kode_skpd,
        kode_sub_kegiatan
    from belanja
    union
    select distinct
        tahun,
        kode_skpd,
        kode_sub_kegiatan
    from kinerja
    where tingkat = 'sub_kegiatan'

),

jumlah_indikator as (

    select
        tahun,
        kode_skpd,
        tingkat,
        kode_nomenklatur,
        count(distinct kode_indikator) as jumlah
    from kinerja
    group by tahun, kode_skpd, tingkat, kode_nomenklatur

),

pohon as (

    select
        cast(kode_program as varchar) as kode_program,
        cast(kode_indikator as varchar) as kode_indikator
    from {{ ref('ref_pohon_kinerja') }}

),

final as (

    select
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
        coalesce(belanja.kode_wilayah, '64.72') as kode_wilayah_lokasi,
        coalesce(belanja.berlokasi, false) as berlokasi
    from sub_kegiatan
    left join belanja
        on
            sub_kegiatan.tahun = belanja.tahun
            and sub_kegiatan.kode_skpd = belanja.kode_skpd
            and sub_kegiatan.kode_sub_kegiatan = belanja.kode_sub_kegiatan
    left join pohon
        on
            substr(sub_kegiatan.kode_sub_kegiatan, 1, 7) = pohon.kode_program
            and substr(sub_kegiatan.kode_sub_kegiatan, 6, 2) <> '01'
    left join jumlah_indikator as keluaran
        on
            sub_kegiatan.tahun = keluaran.tahun
            and sub_kegiatan.kode_skpd = keluaran.kode_skpd
            and keluaran.tingkat = 'sub_kegiatan'
            and sub_kegiatan.kode_sub_kegiatan = keluaran.kode_nomenklatur
    left join jumlah_indikator as hasil
        on
            sub_kegiatan.tahun = hasil.tahun
            and sub_kegiatan.kode_skpd = hasil.kode_skpd
            and hasil.tingkat = 'kegiatan'
            and substr(sub_kegiatan.kode_sub_kegiatan, 1, 12) = hasil.kode_nomenklatur
    left join jumlah_indikator as capaian
        on
            sub_kegiatan.tahun = capaian.tahun
            and sub_kegiatan.kode_skpd = capaian.kode_skpd
            and capaian.tingkat = 'program'
            and substr(sub_kegiatan.kode_sub_kegiatan, 1, 7) = capaian.kode_nomenklatur

)

select * from final
