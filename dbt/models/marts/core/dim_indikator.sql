{#- One row per indicator: the regional outcome indicators of ref_indikator (Satu Data MS-Ind
    metadata) and every performance indicator an OPD reports (program outcome, activity result,
    sub-activity output), with definition, unit, source, frequency and direction. A performance
    indicator takes the unit and direction it was reported with most often (latest year first). -#}
with

satuan as (

    select distinct
        cast(kode_satuan as varchar) as kode_satuan,
        cast(nama_satuan as varchar) as nama_satuan
    from {{ ref('ref_satuan') }}

),

outcome as (

    select
        cast(kode_indikator as varchar) as kode_indikator,
        cast(nama_indikator as varchar) as nama_indikator,
        'outcome_wilayah' as jenis_indikator,
        cast(null as varchar) as tingkat,
        cast(null as varchar) as kode_nomenklatur,
        cast(konsep as varchar) as konsep,
        cast(definisi as varchar) as definisi,
        cast(rumus_perhitungan as varchar) as rumus_perhitungan,
        cast(interpretasi as varchar) as interpretasi,
        cast(kode_satuan as varchar) as kode_satuan,
        cast(arah as varchar) as arah,
        cast(produsen_data as varchar) as produsen_data,
        cast(sumber_acuan_kota as varchar) as sumber_acuan_kota,
        cast(sumber_acuan_kelurahan as varchar) as sumber_acuan_kelurahan,
        cast(frekuensi as varchar) as frekuensi,
        cast(level_estimasi_terendah as varchar) as level_estimasi_terendah,
        cast(indikator_kebutuhan as boolean) as indikator_kebutuhan
    from {{ ref('ref_indikator') }}

),

kinerja as (

    select * from {{ ref('int_realisasi_kinerja_normalised') }}

),

kinerja_per_indikator as (

    select
        kode_indikator,
        arg_max(indikator, tahun * 10 + triwulan) as nama_indikator,
        any_value(tingkat) as tingkat,
        any_value(kode_nomenklatur) as kode_nomenklatur,
        mode(kode_satuan) as kode_satuan,
        mode(arah) as arah
    from kinerja
    group by kode_indikator

),

kinerja_dim as (

    select
        kode_indikator,
        nama_indikator,
        case tingkat
            when 'program' then 'capaian_program'
            when 'kegiatan' then 'hasil_kegiatan'
            else 'keluaran_sub_kegiatan'
        end as jenis_indikator,
        tingkat,
        kode_nomenklatur,
        cast(null as varchar) as konsep,
        'Indikator kinerja ' || case tingkat
            when 'program' then 'program (capaian/outcome) '
            when 'kegiatan' then 'kegiatan (hasil) '
            else 'sub kegiatan (keluaran/output) '
        end || kode_nomenklatur || ' menurut DPA/Renja OPD: ' || nama_indikator as definisi,
        'Capaian = realisasi / target x 100 (arah naik) atau (2 x target - realisasi) / target'
        || ' x 100 (arah turun); realisasi kumulatif sampai triwulan laporan.'
            as rumus_perhitungan,
        case
            when arah = 'turun' then 'Semakin rendah semakin baik.'
            else 'Semakin tinggi semakin baik.'
        end as interpretasi,
        kode_satuan,
        arah,
        'OPD pelaksana' as produsen_data,
        cast(null as varchar) as sumber_acuan_kota,
        cast(null as varchar) as sumber_acuan_kelurahan,
        'triwulanan' as frekuensi,
        'kota' as level_estimasi_terendah,
        false as indikator_kebutuhan
    from kinerja_per_indikator

),

unioned as (

    select * from outcome
    union all
    select * from kinerja_dim

),

final as (

    select
        unioned.kode_indikator,
        unioned.nama_indikator,
        unioned.jenis_indikator,
        unioned.tingkat,
        unioned.kode_nomenklatur,
        unioned.konsep,
        unioned.definisi,
        unioned.rumus_perhitungan,
        unioned.interpretasi,
        unioned.kode_satuan,
        satuan.nama_satuan,
        unioned.arah,
        unioned.produsen_data,
        unioned.sumber_acuan_kota,
        unioned.sumber_acuan_kelurahan,
        unioned.frekuensi,
        unioned.level_estimasi_terendah,
        unioned.indikator_kebutuhan
    from unioned
    left join satuan
        on unioned.kode_satuan = satuan.kode_satuan

)

select * from final
