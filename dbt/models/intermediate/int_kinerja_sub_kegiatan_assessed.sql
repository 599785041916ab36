{#- One row per fiscal year x OPD x sub kegiatan: the drill-down of mart_kinerja_program. Budget
    and SP2D realisation (fct_belanja_wilayah, summed over its places) against the output
    indicators the OPD reported (fct_kinerja, each indicator at the latest quarter it was
    reported), cost per unit of output and its ratio to the median of the same sub kegiatan
    (nomenclature code and unit) across OPDs, kecamatan and years, and flags with plain-language
    reasons.

    The indicator that stands for the sub kegiatan's output is the one its DPA names
    (dim_pohon_kinerja.indikator_keluaran_dpa, matched on the text); when the OPD did not report
    it, the first measurable one is shown but indikator_menurut_dpa is false. Cost per output is
    computed only for the DPA's indicator, in a unit whose count means the same thing in every OPD
    (ref_satuan.biaya_per_unit_sebanding: not paket, dokumen, laporan, ...), at the fourth quarter,
    and never for a support program (X.XX.01); alasan_tanpa_biaya_per_unit says why not. -#}
{{ config(materialized='irisan_pemda') }}
with

belanja as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        max(kode_program) as kode_program,
        -- the place with the largest share stands for the location
        arg_max(kode_wilayah, (realisasi_rp, pagu_akhir_rp, berlokasi)) as kode_wilayah,
        count(*) filter (where berlokasi) as jumlah_kelurahan_lokasi,
        sum(pagu_akhir_rp) as pagu_akhir_rp,
        sum(realisasi_rp) as realisasi_rp,
        coalesce(sum(realisasi_rp) filter (where berlokasi), 0) as realisasi_berlokasi_rp,
        {{ sumber_sha256_agg('sumber_sha256') }} as sumber_sha256
    from {{ ref('int_belanja_split_to_wilayah') }}
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan

),

pohon as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        lower(regexp_replace(trim(indikator_keluaran_dpa), '\s+', ' ', 'g')) as indikator_dpa
    from {{ ref('int_pohon_kinerja_joined') }}
    where indikator_keluaran_dpa is not null

),

satuan as (

    select
        cast(kode_satuan as varchar) as kode_satuan,
        bool_and(cast(biaya_per_unit_sebanding as boolean)) as biaya_per_unit_sebanding
    from {{ ref('ref_satuan') }}
    group by kode_satuan

),

keluaran_terakhir as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_indikator,
        arg_max(triwulan, triwulan) as triwulan,
        arg_max(indikator, triwulan) as indikator,
        arg_max(kode_satuan, triwulan) as kode_satuan,
        arg_max(jenis_satuan, triwulan) as jenis_satuan,
        arg_max(target_angka, triwulan) as target_angka,
        arg_max(target_teks, triwulan) as target_teks,
        arg_max(realisasi_angka, triwulan) as realisasi_angka,
        arg_max(capaian_persen, triwulan) as capaian_persen,
        arg_max(alasan_capaian_kosong, triwulan) as alasan_capaian_kosong,
        arg_max(realisasi_keuangan_rp, triwulan) as realisasi_keuangan_rp,
        arg_max(realisasi_fisik_persen, triwulan) as realisasi_fisik_persen
    from {{ ref('int_kinerja_flagged_latest') }}
    where tingkat = 'sub_kegiatan'
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan, kode_indikator

),

keluaran_dicocokkan as (

    select
        keluaran_terakhir.*,
        coalesce(
            lower(regexp_replace(trim(keluaran_terakhir.indikator), '\s+', ' ', 'g'))
            = pohon.indikator_dpa,
            false
        ) as menurut_dpa
    from keluaran_terakhir
    left join pohon
        on
            keluaran_terakhir.kode_pemda = pohon.kode_pemda
            and keluaran_terakhir.tahun = pohon.tahun
            and keluaran_terakhir.kode_skpd = pohon.kode_skpd
            and keluaran_terakhir.kode_sub_kegiatan = pohon.kode_sub_kegiatan

),

keluaran as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        count(*) as jumlah_indikator_keluaran,
        count(capaian_persen) as jumlah_indikator_terukur,
        cast(
            round(
                -- least() skips nulls in DuckDB, so a missing capaian must stay missing here
                avg(
                    case
                        when capaian_persen is not null
                            then least(
                                    capaian_persen,
                                    {{ ambang('capaian_maksimum_rata_rata_persen') }}
                                )
                    end
                ),
                2
            ) as decimal(12, 2)
        ) as capaian_keluaran_persen,
        min(triwulan) as triwulan_terakhir,
        -- the DPA's indicator stands for the sub kegiatan's output; failing that the first
        -- measurable one, marked menurut_dpa false (and then no cost per output)
        arg_min(
            struct_pack(
                indikator := indikator,
                menurut_dpa := menurut_dpa,
                kode_satuan := kode_satuan,
                jenis_satuan := jenis_satuan,
                target_angka := target_angka,
                target_teks := target_teks,
                realisasi_angka := realisasi_angka,
                alasan := alasan_capaian_kosong,
                triwulan := triwulan
            ),
            (not menurut_dpa, capaian_persen is null, indikator)
        ) as utama,
        max(realisasi_keuangan_rp) as realisasi_keuangan_dilaporkan_rp,
        max(realisasi_fisik_persen) as realisasi_fisik_persen
    from keluaran_dicocokkan
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan

),

-- lineage: the DPA, SP2D and performance-report files behind each row
sumber as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        {{ sumber_sha256_unnest('sumber_sha256') }} as sumber_sha256
    from belanja

    union

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        sumber_sha256
    from {{ ref('int_kinerja_flagged_latest') }}
    where tingkat = 'sub_kegiatan'

),

sumber_per_baris as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        {{ sumber_sha256_agg('sumber_sha256') }} as sumber_sha256
    from sumber
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan

),

kunci as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan
    from belanja
    union
    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan
    from keluaran

),

digabung as (

    select
        kunci.kode_pemda,
        kunci.tahun,
        kunci.kode_skpd,
        kunci.kode_sub_kegiatan,
        coalesce(belanja.kode_program, substr(kunci.kode_sub_kegiatan, 1, 7)) as kode_program,
        substr(kunci.kode_sub_kegiatan, 1, 12) as kode_kegiatan,
        coalesce(belanja.kode_wilayah, belanja.kode_pemda) as kode_wilayah_lokasi,
        coalesce(belanja.jumlah_kelurahan_lokasi, 0) as jumlah_kelurahan_lokasi,
        coalesce(belanja.pagu_akhir_rp, 0) as pagu_akhir_rp,
        coalesce(belanja.realisasi_rp, 0) as realisasi_rp,
        coalesce(belanja.realisasi_berlokasi_rp, 0) as realisasi_berlokasi_rp,
        sumber_per_baris.sumber_sha256,
        coalesce(keluaran.jumlah_indikator_keluaran, 0) as jumlah_indikator_keluaran,
        coalesce(keluaran.jumlah_indikator_terukur, 0) as jumlah_indikator_terukur,
        keluaran.capaian_keluaran_persen,
        keluaran.triwulan_terakhir,
        keluaran.utama,
        keluaran.realisasi_keuangan_dilaporkan_rp,
        keluaran.realisasi_fisik_persen
    from kunci
    left join belanja
        on
            kunci.kode_pemda = belanja.kode_pemda
            and kunci.tahun = belanja.tahun
            and kunci.kode_skpd = belanja.kode_skpd
            and kunci.kode_sub_kegiatan = belanja.kode_sub_kegiatan
    left join keluaran
        on
            kunci.kode_pemda = keluaran.kode_pemda
            and kunci.tahun = keluaran.tahun
            and kunci.kode_skpd = keluaran.kode_skpd
            and kunci.kode_sub_kegiatan = keluaran.kode_sub_kegiatan
    left join sumber_per_baris
        on
            kunci.kode_pemda = sumber_per_baris.kode_pemda
            and kunci.tahun = sumber_per_baris.tahun
            and kunci.kode_skpd = sumber_per_baris.kode_skpd
            and kunci.kode_sub_kegiatan = sumber_per_baris.kode_sub_kegiatan

),

syarat_biaya as (

    select
        digabung.*,
        substr(digabung.kode_sub_kegiatan, 6, 2) = '01' as program_penunjang,
        coalesce(digabung.utama.menurut_dpa, false) as indikator_menurut_dpa,
        coalesce(satuan.biaya_per_unit_sebanding, false) as satuan_sebanding,
        case
            when substr(digabung.kode_sub_kegiatan, 6, 2) = '01'
                then 'program penunjang (X.XX.01): keluarannya layanan kantor, tidak dibandingkan'
            when digabung.utama.indikator is null then 'tidak ada indikator keluaran'
            when not digabung.utama.menurut_dpa
                then 'indikator keluaran yang disebut DPA tidak dilaporkan'
            when not coalesce(satuan.biaya_per_unit_sebanding, false)
                then 'satuan ' || coalesce(digabung.utama.kode_satuan, 'tidak dikenal')
                    || ' tidak sebanding antar-OPD (ref_satuan)'
            when coalesce(digabung.utama.triwulan, 0) < 4 then 'laporan triwulan 4 belum ada'
            when not coalesce(digabung.utama.realisasi_angka > 0, false)
                then 'realisasi keluaran kosong atau 0'
            when not digabung.realisasi_rp > 0 then 'belum ada realisasi SP2D'
        end as alasan_tanpa_biaya_per_unit
    from digabung
    left join satuan
        on digabung.utama.kode_satuan = satuan.kode_satuan

),

biaya as (

    select
        syarat_biaya.*,
        coalesce(sub_kegiatan.kode_sub_kegiatan_nomenklatur, syarat_biaya.kode_sub_kegiatan)
            as kode_pembanding,
        case
            when syarat_biaya.alasan_tanpa_biaya_per_unit is null
                then cast(
                        round(syarat_biaya.realisasi_rp / syarat_biaya.utama.realisasi_angka, 2)
                        as decimal(18, 2)
                    )
        end as biaya_per_unit_rp
    from syarat_biaya
    left join {{ ref('int_sub_kegiatan_named') }} as sub_kegiatan
        on
            syarat_biaya.tahun = sub_kegiatan.tahun
            and syarat_biaya.kode_sub_kegiatan = sub_kegiatan.kode_sub_kegiatan

),

median_biaya as (

    select
        biaya.kode_pemda,
        biaya.kode_pembanding,
        utama.kode_satuan,
        cast(median(biaya.biaya_per_unit_rp) as decimal(18, 2)) as median_biaya_per_unit_rp,
        count(*) as jumlah_pembanding
    from biaya
    where biaya.biaya_per_unit_rp is not null
    group by biaya.kode_pemda, biaya.kode_pembanding, utama.kode_satuan

),

dinilai as (

    select
        biaya.*,
        median_biaya.median_biaya_per_unit_rp,
        coalesce(median_biaya.jumlah_pembanding, 0) as jumlah_pembanding_biaya,
        case
            when median_biaya.median_biaya_per_unit_rp > 0
                then cast(
                        round(biaya.biaya_per_unit_rp / median_biaya.median_biaya_per_unit_rp, 2)
                        as decimal(12, 2)
                    )
        end as rasio_biaya_terhadap_median,
        {{ persen_half_up('biaya.realisasi_rp', 'biaya.pagu_akhir_rp') }} as serapan_persen
    from biaya
    left join median_biaya
        on
            biaya.kode_pemda = median_biaya.kode_pemda
            and biaya.kode_pembanding = median_biaya.kode_pembanding
            and biaya.utama.kode_satuan = median_biaya.kode_satuan

),

ditandai as (

    select
        dinilai.*,
        coalesce(dinilai.serapan_persen < {{ ambang('serapan_rendah_persen') }}, false)
            as flag_serapan_rendah,
        coalesce(
            dinilai.capaian_keluaran_persen < {{ ambang('keluaran_rendah_persen') }}
            and dinilai.triwulan_terakhir = 4,
            false
        ) as flag_keluaran_rendah,
        dinilai.jumlah_indikator_terukur = 0 as flag_tanpa_indikator_terukur,
        coalesce(dinilai.triwulan_terakhir < 4, true) as flag_laporan_tidak_lengkap,
        coalesce(
            dinilai.rasio_biaya_terhadap_median >= {{ ambang('rasio_biaya_tinggi') }}
            and dinilai.jumlah_pembanding_biaya >= {{ ambang('pembanding_biaya_minimum') }},
            false
        ) as flag_biaya_unit_tinggi
    from dinilai

),

final as (

    select
        cast(ditandai.kode_pemda as varchar) as kode_pemda,
        cast(ditandai.tahun as integer) as tahun,
        cast(ditandai.kode_skpd as varchar) as kode_skpd,
        cast(opd.nama_skpd as varchar) as nama_skpd,
        cast(ditandai.kode_program as varchar) as kode_program,
        cast(sub_kegiatan.nama_program as varchar) as nama_program,
        cast(ditandai.kode_kegiatan as varchar) as kode_kegiatan,
        cast(sub_kegiatan.nama_kegiatan as varchar) as nama_kegiatan,
        cast(ditandai.kode_sub_kegiatan as varchar) as kode_sub_kegiatan,
        cast(sub_kegiatan.nama_sub_kegiatan as varchar) as nama_sub_kegiatan,
        cast(ditandai.kode_wilayah_lokasi as varchar) as kode_wilayah_lokasi,
        cast(wilayah.nama as varchar) as nama_wilayah_lokasi,
        cast(ditandai.pagu_akhir_rp as decimal(18, 2)) as pagu_akhir_rp,
        cast(ditandai.realisasi_rp as decimal(18, 2)) as realisasi_rp,
        cast(ditandai.serapan_persen as decimal(9, 2)) as serapan_persen,
        cast(ditandai.realisasi_keuangan_dilaporkan_rp as decimal(18, 2))
            as realisasi_keuangan_dilaporkan_rp,
        cast(ditandai.realisasi_fisik_persen as decimal(9, 2)) as realisasi_fisik_persen,
        cast(ditandai.triwulan_terakhir as integer) as triwulan_terakhir,
        cast(ditandai.jumlah_indikator_keluaran as integer) as jumlah_indikator_keluaran,
        cast(ditandai.jumlah_indikator_terukur as integer) as jumlah_indikator_terukur,
        cast(ditandai.utama.indikator as varchar) as indikator_keluaran,
        cast(ditandai.utama.kode_satuan as varchar) as kode_satuan,
        cast(ditandai.utama.target_angka as decimal(18, 4)) as target_keluaran,
        cast(ditandai.utama.target_teks as varchar) as target_keluaran_teks,
        cast(ditandai.utama.realisasi_angka as decimal(18, 4)) as realisasi_keluaran,
        cast(ditandai.capaian_keluaran_persen as decimal(12, 2)) as capaian_keluaran_persen,
        cast(
            case
                when ditandai.jumlah_indikator_keluaran = 0
                    then 'OPD tidak melaporkan indikator keluaran'
                when ditandai.capaian_keluaran_persen is null then ditandai.utama.alasan
            end as varchar
        ) as alasan_capaian_kosong,
        cast(ditandai.biaya_per_unit_rp as decimal(18, 2)) as biaya_per_unit_rp,
        cast(ditandai.median_biaya_per_unit_rp as decimal(18, 2)) as median_biaya_per_unit_rp,
        cast(ditandai.rasio_biaya_terhadap_median as decimal(12, 2))
            as rasio_biaya_terhadap_median,
        cast(ditandai.jumlah_pembanding_biaya as integer) as jumlah_pembanding_biaya,
        cast(ditandai.alasan_tanpa_biaya_per_unit as varchar) as alasan_tanpa_biaya_per_unit,
        ditandai.program_penunjang,
        ditandai.indikator_menurut_dpa,
        cast(ditandai.realisasi_berlokasi_rp as decimal(18, 2)) as realisasi_berlokasi_rp,
        cast(ditandai.jumlah_kelurahan_lokasi as integer) as jumlah_kelurahan_lokasi,
        ditandai.flag_serapan_rendah,
        ditandai.flag_keluaran_rendah,
        ditandai.flag_tanpa_indikator_terukur,
        ditandai.flag_laporan_tidak_lengkap,
        ditandai.flag_biaya_unit_tinggi,
        cast(
            nullif(
                concat_ws(
                    '; ',
                    case
                        when ditandai.flag_serapan_rendah
                            then 'serapan ' || {{ angka_id('ditandai.serapan_persen') }}
                                || '% (di bawah {{ ambang("serapan_rendah_persen") }}%)'
                    end,
                    case
                        when ditandai.flag_keluaran_rendah and ditandai.flag_serapan_rendah
                            then 'capaian keluaran '
                                || {{ angka_id('ditandai.capaian_keluaran_persen') }} || '%'
                        when ditandai.flag_keluaran_rendah
                            then 'serapan ' || {{ angka_id('ditandai.serapan_persen') }}
                                || '% tetapi capaian keluaran '
                                || {{ angka_id('ditandai.capaian_keluaran_persen') }} || '%'
                    end,
                    case
                        when ditandai.flag_tanpa_indikator_terukur
                            then 'tidak ada indikator terukur'
                    end,
                    case
                        when ditandai.triwulan_terakhir < 4
                            then 'laporan triwulan 4 belum diterima (terakhir triwulan '
                                || ditandai.triwulan_terakhir || ')'
                    end,
                    case
                        when ditandai.flag_biaya_unit_tinggi
                            then 'biaya per unit keluaran '
                                || {{ angka_id('ditandai.rasio_biaya_terhadap_median', 1) }}
                                || ' kali median sub kegiatan sejenis'
                    end
                ),
                ''
            ) as varchar
        ) as catatan,
        cast(ditandai.sumber_sha256 as varchar) as sumber_sha256
    from ditandai
    left join {{ ref('int_opd_resolved') }} as opd
        on
            ditandai.kode_pemda = opd.kode_pemda
            and ditandai.kode_skpd = opd.kode_skpd
            and {{ berlaku_pada('ditandai.tahun', 'opd') }}
    left join {{ ref('int_sub_kegiatan_named') }} as sub_kegiatan
        on
            ditandai.tahun = sub_kegiatan.tahun
            and ditandai.kode_sub_kegiatan = sub_kegiatan.kode_sub_kegiatan
    left join {{ ref('int_wilayah_typed') }} as wilayah
        on
            ditandai.kode_pemda = wilayah.kode_pemda
            and ditandai.kode_wilayah_lokasi = wilayah.kode_wilayah

)

select * from final
