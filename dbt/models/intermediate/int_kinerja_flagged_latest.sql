{#- One row per fiscal year x quarter x OPD x performance indicator (program outcome, activity
    result, sub-activity output): annual target, realisation cumulative to the quarter and
    achievement (capaian) in percent. Numeric and text targets stay apart; capaian is null, with
    the reason in alasan_capaian_kosong, when the target is text, missing or 0, or nothing numeric
    was reported - never a division by zero. -#}
with

kinerja as (

    select * from {{ ref('int_realisasi_kinerja_normalised') }}

),

laporan_terakhir as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        max(triwulan) as triwulan_terakhir
    from kinerja
    group by kode_pemda, tahun, kode_skpd

),

final as (

    select
        kinerja.kode_pemda,
        kinerja.tahun,
        kinerja.triwulan,
        kinerja.kode_skpd,
        kinerja.kode_indikator,
        kinerja.tingkat,
        kinerja.kode_nomenklatur,
        kinerja.kode_program,
        kinerja.kode_kegiatan,
        kinerja.kode_sub_kegiatan,
        kinerja.indikator,
        kinerja.satuan_asli,
        kinerja.kode_satuan,
        kinerja.jenis_satuan,
        kinerja.arah,
        kinerja.target_angka,
        kinerja.target_teks,
        kinerja.realisasi_angka,
        kinerja.realisasi_teks,
        {{ capaian_persen('kinerja.realisasi_angka', 'kinerja.target_angka', 'kinerja.arah') }}
            as capaian_persen,
        case
            when kinerja.target_angka is null and kinerja.target_teks is not null
                then 'target berupa teks, capaian tidak dapat dihitung'
            when kinerja.target_angka is null
                then 'target tidak diisi'
            when kinerja.target_angka = 0
                then 'target 0, capaian tidak dapat dihitung (pembagian dengan nol)'
            when kinerja.realisasi_angka is null and kinerja.realisasi_teks is not null
                then 'realisasi berupa teks, capaian tidak dapat dihitung'
            when kinerja.realisasi_angka is null
                then 'realisasi belum dilaporkan'
        end as alasan_capaian_kosong,
        kinerja.realisasi_keuangan_rp,
        kinerja.realisasi_fisik_persen,
        kinerja.keterangan,
        kinerja.tanggal_laporan,
        kinerja.batas_laporan,
        kinerja.terlambat,
        kinerja.triwulan = laporan_terakhir.triwulan_terakhir as laporan_terakhir,
        kinerja.sumber_sha256,
        kinerja.sumber_berkas,
        kinerja.sumber_baris
    from kinerja
    inner join laporan_terakhir
        on
            kinerja.kode_pemda = laporan_terakhir.kode_pemda
            and kinerja.tahun = laporan_terakhir.tahun
            and kinerja.kode_skpd = laporan_terakhir.kode_skpd

)

select * from final
