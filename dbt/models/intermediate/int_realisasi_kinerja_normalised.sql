{#- One row per fiscal year x quarter x OPD x indicator of the quarterly performance reports: the
    satuan mapped to the controlled list (ref_satuan; unknown spellings keep a null kode_satuan),
    the polarity defaulted to 'naik', a stable indicator key, and whether the report was late.

    The indicator key is the first 16 hex digits of md5(tingkat | code | indicator text in lower
    case, single spaces): the same indicator of the same program, activity or sub activity keeps
    its key across OPDs, quarters and years. A table, not a view: three models read it. -#}
{{ config(materialized='irisan_pemda') }}

with

kinerja as (

    select * from {{ ref('stg_opd__realisasi_kinerja') }}

),

satuan as (

    select
        cast(ejaan as varchar) as ejaan,
        cast(kode_satuan as varchar) as kode_satuan,
        cast(jenis_satuan as varchar) as jenis_satuan
    from {{ ref('ref_satuan') }}

),

normalised as (

    select
        kinerja.*,
        lower(trim(regexp_replace(kinerja.satuan_asli, '\s+', ' ', 'g'))) as satuan_ejaan,
        lower(trim(regexp_replace(kinerja.indikator, '\s+', ' ', 'g'))) as indikator_ejaan,
        coalesce(kinerja.arah_asli, 'naik') as arah,
        last_day(make_date(kinerja.tahun, kinerja.triwulan * 3, 1)) as akhir_triwulan
    from kinerja

),

final as (

    select
        normalised.kode_pemda,
        normalised.tahun,
        normalised.triwulan,
        normalised.kode_skpd,
        'kin_' || substr(
            md5(
                normalised.tingkat || '|' || normalised.kode_nomenklatur || '|'
                || normalised.indikator_ejaan
            ),
            1,
            16
        ) as kode_indikator,
        normalised.tingkat,
        normalised.kode_nomenklatur,
        normalised.kode_program,
        normalised.kode_kegiatan,
        normalised.kode_sub_kegiatan,
        normalised.indikator,
        normalised.satuan_asli,
        satuan.kode_satuan,
        satuan.jenis_satuan,
        normalised.arah,
        normalised.target_angka,
        normalised.target_teks,
        normalised.realisasi_angka,
        normalised.realisasi_teks,
        normalised.realisasi_keuangan_rp,
        normalised.realisasi_fisik_persen,
        normalised.keterangan,
        normalised.tanggal_laporan,
        cast(
            normalised.akhir_triwulan + to_days({{ ambang('batas_hari_laporan') }}) as date
        ) as batas_laporan,
        coalesce(
            normalised.tanggal_laporan
            > normalised.akhir_triwulan + to_days({{ ambang('batas_hari_laporan') }}),
            false
        ) as terlambat,
        normalised.sumber_sha256,
        normalised.sumber_berkas,
        normalised.sumber_baris
    from normalised
    left join satuan
        on normalised.satuan_ejaan = satuan.ejaan

)

select * from final
