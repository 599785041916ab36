{#- One row per fiscal year x OPD x program: for every rupiah, what was delivered and what changed.
    Pagu and SP2D realisation (summed from mart_kinerja_sub_kegiatan, the drill-down), output
    achievement (mean over the program's sub kegiatan with a measurable output, weighted by their
    pagu akhir), the OPD-reported
    outcome achievement of the program indicator, and the evidence from regional data: did the
    outcome indicator the program serves (ref_pohon_kinerja) improve more in the kelurahan where
    its money was spent than elsewhere (int_program_outcome_compared). klasifikasi follows from
    these, in this order: belum_dapat_dinilai (no pagu), serapan_rendah, tidak_efektif (outputs
    missed with money absorbed), efektif (outcome improved where the money went: the whole
    uncertainty interval above 0), tidak_efektif (evidence of no effect: the whole interval below
    the smallest meaningful effect), belum_cukup_bukti (the effect was measured but the evidence is
    below the minimum size of ref_aturan_dampak or its interval is too wide either way: not
    significant is not failed), belum_dapat_dinilai (no measurable output or an incomplete
    report), dampak_belum_terukur (outputs delivered, no regional evidence). Absorption is judged
    on the money inside the evidence tiers: BTT and transfers (ref_belanja_bukti.dinilai_tier
    false) are left out of serapan_dinilai_persen. alasan_dampak is the one sentence about the
    outcome effect, built from the same columns as the verdict; mart_prioritas_alokasi repeats
    it. -#}
{{ config(materialized='irisan_pemda') }}
with

sub_kegiatan as (

    select * from {{ ref('int_kinerja_sub_kegiatan_assessed') }}

),

sumber as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_program,
        {{ sumber_sha256_unnest('sumber_sha256') }} as sumber_sha256
    from sub_kegiatan

),

sumber_per_program as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_program,
        {{ sumber_sha256_agg('sumber_sha256') }} as sumber_sha256
    from sumber
    group by kode_pemda, tahun, kode_skpd, kode_program

),

tanpa_tier as (

    select
        sub.kode_pemda,
        sub.tahun,
        sub.kode_skpd,
        sub.kode_program,
        sum(jenis.pagu_tanpa_tier_rp) as pagu_tanpa_tier_rp,
        sum(jenis.realisasi_tanpa_tier_rp) as realisasi_tanpa_tier_rp,
        string_agg(distinct jenis.jenis_tanpa_tier, ', ') as jenis_tanpa_tier
    from sub_kegiatan as sub
    inner join {{ ref('int_belanja_jenis_per_sub_kegiatan') }} as jenis
        on
            sub.kode_pemda = jenis.kode_pemda
            and sub.tahun = jenis.tahun
            and sub.kode_skpd = jenis.kode_skpd
            and sub.kode_sub_kegiatan = jenis.kode_sub_kegiatan
    group by sub.kode_pemda, sub.tahun, sub.kode_skpd, sub.kode_program

),

program as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_program,
        max(nama_skpd) as nama_skpd,
        max(nama_program) as nama_program,
        cast(sum(pagu_akhir_rp) as decimal(18, 2)) as pagu_akhir_rp,
        cast(sum(realisasi_rp) as decimal(18, 2)) as realisasi_rp,
        cast(sum(realisasi_berlokasi_rp) as decimal(18, 2)) as realisasi_berlokasi_rp,
        count(*) as jumlah_sub_kegiatan,
        sum(jumlah_indikator_keluaran) as jumlah_indikator_keluaran,
        sum(jumlah_indikator_terukur) as jumlah_indikator_terukur,
        -- weighted by pagu: a Rp10 billion sub kegiatan counts for more than a Rp10 million one;
        -- when the measured sub kegiatan have no pagu at all, the plain mean. The product is
        -- computed in 38 digits: 99,27 % of a Rp1,48 T payroll sub kegiatan (a large kabupaten)
        -- overflows DECIMAL(18)
        cast(
            round(
                coalesce(
                    sum(
                        cast(capaian_keluaran_persen as decimal(38, 2))
                        * greatest(pagu_akhir_rp, 0)
                    )
                    / nullif(
                        sum(greatest(pagu_akhir_rp, 0)) filter (
                            where capaian_keluaran_persen is not null
                        ),
                        0
                    ),
                    avg(capaian_keluaran_persen)
                ),
                2
            ) as decimal(12, 2)
        ) as capaian_keluaran_persen,
        min(triwulan_terakhir) as triwulan_terakhir,
        max(rasio_biaya_terhadap_median) filter (where flag_biaya_unit_tinggi)
            as rasio_biaya_tertinggi,
        count(*) filter (where flag_biaya_unit_tinggi) as jumlah_biaya_unit_tinggi
    from sub_kegiatan
    group by kode_pemda, tahun, kode_skpd, kode_program

),

outcome_dilaporkan as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_nomenklatur as kode_program,
        arg_max(indikator, triwulan * 1000 + coalesce(capaian_persen, -1)) as indikator,
        arg_max(capaian_persen, triwulan * 1000 + coalesce(capaian_persen, -1))
            as capaian_persen
    from {{ ref('int_kinerja_flagged_latest') }}
    where tingkat = 'program'
    group by kode_pemda, tahun, kode_skpd, kode_nomenklatur

),

laporan as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        max(triwulan) as triwulan_terakhir_opd,
        count(distinct triwulan) filter (where terlambat) as jumlah_laporan_terlambat
    from {{ ref('int_kinerja_flagged_latest') }}
    group by kode_pemda, tahun, kode_skpd

),

pohon as (

    select
        cast(pohon.kode_pemda as varchar) as kode_pemda,
        cast(pohon.kode_program as varchar) as kode_program,
        cast(pohon.kode_indikator as varchar) as kode_indikator,
        cast(indikator.nama_indikator as varchar) as nama_indikator,
        coalesce(indikator.sumber_acuan_kelurahan, '') <> '' as ada_data_kelurahan
    from {{ ref('stg_daftar__pohon_kinerja') }} as pohon
    left join {{ ref('ref_indikator') }} as indikator
        on pohon.kode_indikator = indikator.kode_indikator

),

digabung as (

    select
        program.*,
        substr(program.kode_program, 6, 2) = '01' as program_penunjang,
        {{ persen_half_up('program.realisasi_rp', 'program.pagu_akhir_rp') }} as serapan_persen,
        coalesce(tanpa_tier.pagu_tanpa_tier_rp, 0) as pagu_tanpa_tier_rp,
        coalesce(tanpa_tier.realisasi_tanpa_tier_rp, 0) as realisasi_tanpa_tier_rp,
        tanpa_tier.jenis_tanpa_tier,
        {{ persen_half_up(
            'program.realisasi_rp - coalesce(tanpa_tier.realisasi_tanpa_tier_rp, 0)',
            'program.pagu_akhir_rp - coalesce(tanpa_tier.pagu_tanpa_tier_rp, 0)'
        ) }} as serapan_dinilai_persen,
        program.pagu_akhir_rp <> coalesce(tanpa_tier.pagu_tanpa_tier_rp, 0)
        or program.realisasi_rp <> coalesce(tanpa_tier.realisasi_tanpa_tier_rp, 0) as ditier,
        {{ persen_half_up('program.realisasi_berlokasi_rp', 'program.realisasi_rp') }}
            as belanja_berlokasi_persen,
        outcome_dilaporkan.indikator as indikator_outcome_opd,
        outcome_dilaporkan.capaian_persen as capaian_outcome_persen,
        coalesce(laporan.triwulan_terakhir_opd, 0) = 4 as laporan_lengkap,
        laporan.triwulan_terakhir_opd,
        coalesce(laporan.jumlah_laporan_terlambat, 0) as jumlah_laporan_terlambat,
        pohon.kode_indikator as kode_indikator_outcome,
        pohon.nama_indikator as nama_indikator_outcome,
        pohon.ada_data_kelurahan,
        dampak.sumber as sumber_outcome,
        dampak.jumlah_kelurahan_berlokasi,
        dampak.jumlah_kelurahan_sasaran,
        dampak.jumlah_kelurahan_pembanding,
        dampak.perbaikan_sasaran,
        dampak.perbaikan_pembanding,
        dampak.selisih_perbaikan,
        dampak.skor_dampak,
        dampak.jumlah_kelurahan_berjeda,
        dampak.jeda_dampak_tahun_maks,
        dampak.tahun_belanja_awal,
        dampak.tahun_belanja_akhir,
        dampak.jumlah_kelurahan_bersama,
        dampak.belanja_sasaran_rp,
        dampak.belanja_bersama_rp,
        dampak.program_bersama,
        dampak.kemiringan_kondisi_awal,
        dampak.selisih_batas_bawah,
        dampak.selisih_batas_atas,
        dampak.efek_bermakna,
        dampak.kekurangan_bukti,
        dampak.status_dampak
    from program
    left join tanpa_tier
        on
            program.kode_pemda = tanpa_tier.kode_pemda
            and program.tahun = tanpa_tier.tahun
            and program.kode_skpd = tanpa_tier.kode_skpd
            and program.kode_program = tanpa_tier.kode_program
    left join outcome_dilaporkan
        on
            program.kode_pemda = outcome_dilaporkan.kode_pemda
            and program.tahun = outcome_dilaporkan.tahun
            and program.kode_skpd = outcome_dilaporkan.kode_skpd
            and program.kode_program = outcome_dilaporkan.kode_program
    left join laporan
        on
            program.kode_pemda = laporan.kode_pemda
            and program.tahun = laporan.tahun
            and program.kode_skpd = laporan.kode_skpd
    left join pohon
        on
            program.kode_pemda = pohon.kode_pemda
            and program.kode_program = pohon.kode_program
            and substr(program.kode_program, 6, 2) <> '01'
    left join {{ ref('int_program_outcome_compared') }} as dampak
        on
            program.kode_pemda = dampak.kode_pemda
            and program.tahun = dampak.tahun
            and program.kode_skpd = dampak.kode_skpd
            and program.kode_program = dampak.kode_program

),

diklasifikasi as (

    select
        digabung.*,
        coalesce(digabung.serapan_dinilai_persen < {{ ambang('serapan_rendah_persen') }}, false)
            as flag_serapan_rendah,
        coalesce(
            digabung.laporan_lengkap
            and digabung.capaian_keluaran_persen < {{ ambang('keluaran_rendah_persen') }},
            false
        ) as flag_keluaran_rendah,
        digabung.jumlah_indikator_terukur = 0 as flag_tanpa_indikator_terukur,
        not digabung.laporan_lengkap as flag_laporan_tidak_lengkap,
        digabung.jumlah_laporan_terlambat > 0 as flag_laporan_terlambat,
        digabung.jumlah_biaya_unit_tinggi > 0 as flag_biaya_unit_tinggi,
        coalesce(digabung.status_dampak = 'berdampak', false) as dampak_terbukti,
        case
            when digabung.serapan_dinilai_persen is null then 'belum_dapat_dinilai'
            when digabung.serapan_dinilai_persen < {{ ambang('serapan_rendah_persen') }}
                then 'serapan_rendah'
            when
                digabung.laporan_lengkap
                and digabung.capaian_keluaran_persen < {{ ambang('keluaran_rendah_persen') }}
                then 'tidak_efektif'
            when digabung.status_dampak = 'berdampak' then 'efektif'
            when digabung.status_dampak = 'tidak_berdampak' then 'tidak_efektif'
            when digabung.status_dampak = 'belum_cukup_bukti' then 'belum_cukup_bukti'
            when digabung.jumlah_indikator_terukur = 0 or not digabung.laporan_lengkap
                then 'belum_dapat_dinilai'
            else 'dampak_belum_terukur'
        end as klasifikasi,
        {{ alasan_dampak('digabung') }} as alasan_dampak
    from digabung

),

final as (

    select
        cast(diklasifikasi.kode_pemda as varchar) as kode_pemda,
        cast(diklasifikasi.tahun as integer) as tahun,
        cast(diklasifikasi.kode_skpd as varchar) as kode_skpd,
        cast(diklasifikasi.nama_skpd as varchar) as nama_skpd,
        cast(diklasifikasi.kode_program as varchar) as kode_program,
        cast(diklasifikasi.nama_program as varchar) as nama_program,
        diklasifikasi.program_penunjang,
        cast(diklasifikasi.pagu_akhir_rp as decimal(18, 2)) as pagu_akhir_rp,
        cast(diklasifikasi.realisasi_rp as decimal(18, 2)) as realisasi_rp,
        cast(diklasifikasi.serapan_persen as decimal(9, 2)) as serapan_persen,
        cast(diklasifikasi.pagu_tanpa_tier_rp as decimal(18, 2)) as pagu_tanpa_tier_rp,
        cast(diklasifikasi.realisasi_tanpa_tier_rp as decimal(18, 2)) as realisasi_tanpa_tier_rp,
        cast(diklasifikasi.serapan_dinilai_persen as decimal(9, 2)) as serapan_dinilai_persen,
        diklasifikasi.ditier,
        cast(diklasifikasi.jenis_tanpa_tier as varchar) as jenis_tanpa_tier,
        cast(diklasifikasi.realisasi_berlokasi_rp as decimal(18, 2)) as realisasi_berlokasi_rp,
        cast(diklasifikasi.belanja_berlokasi_persen as decimal(9, 2)) as belanja_berlokasi_persen,
        cast(diklasifikasi.jumlah_sub_kegiatan as integer) as jumlah_sub_kegiatan,
        cast(diklasifikasi.jumlah_indikator_keluaran as integer) as jumlah_indikator_keluaran,
        cast(diklasifikasi.jumlah_indikator_terukur as integer) as jumlah_indikator_terukur,
        cast(diklasifikasi.capaian_keluaran_persen as decimal(12, 2)) as capaian_keluaran_persen,
        cast(diklasifikasi.indikator_outcome_opd as varchar) as indikator_outcome_opd,
        cast(diklasifikasi.capaian_outcome_persen as decimal(12, 2)) as capaian_outcome_persen,
        cast(diklasifikasi.kode_indikator_outcome as varchar) as kode_indikator_outcome,
        cast(diklasifikasi.nama_indikator_outcome as varchar) as nama_indikator_outcome,
        cast(diklasifikasi.sumber_outcome as varchar) as sumber_outcome,
        cast(diklasifikasi.jumlah_kelurahan_sasaran as integer) as jumlah_kelurahan_sasaran,
        cast(diklasifikasi.jumlah_kelurahan_pembanding as integer)
            as jumlah_kelurahan_pembanding,
        cast(diklasifikasi.perbaikan_sasaran as decimal(18, 4)) as perbaikan_outcome_sasaran,
        cast(diklasifikasi.perbaikan_pembanding as decimal(18, 4))
            as perbaikan_outcome_pembanding,
        cast(diklasifikasi.selisih_perbaikan as decimal(18, 4)) as selisih_perbaikan_outcome,
        cast(diklasifikasi.skor_dampak as decimal(12, 2)) as skor_dampak,
        cast(diklasifikasi.selisih_batas_bawah as decimal(18, 4)) as selisih_batas_bawah,
        cast(diklasifikasi.selisih_batas_atas as decimal(18, 4)) as selisih_batas_atas,
        cast(diklasifikasi.efek_bermakna as decimal(18, 4)) as efek_bermakna,
        cast(diklasifikasi.kemiringan_kondisi_awal as decimal(12, 4)) as kemiringan_kondisi_awal,
        cast(diklasifikasi.jumlah_kelurahan_bersama as integer) as jumlah_kelurahan_bersama,
        cast(diklasifikasi.belanja_sasaran_rp as decimal(18, 2)) as belanja_sasaran_rp,
        cast(diklasifikasi.program_bersama as varchar) as program_bersama,
        cast(diklasifikasi.jeda_dampak_tahun_maks as integer) as jeda_dampak_tahun,
        cast(coalesce(diklasifikasi.status_dampak, 'tidak_terukur') as varchar) as status_dampak,
        cast(coalesce(diklasifikasi.triwulan_terakhir_opd, 0) as integer) as triwulan_terakhir,
        cast(diklasifikasi.jumlah_laporan_terlambat as integer) as jumlah_laporan_terlambat,
        cast(diklasifikasi.rasio_biaya_tertinggi as decimal(12, 2)) as rasio_biaya_tertinggi,
        diklasifikasi.flag_serapan_rendah,
        diklasifikasi.flag_keluaran_rendah,
        diklasifikasi.flag_tanpa_indikator_terukur,
        diklasifikasi.flag_laporan_tidak_lengkap,
        diklasifikasi.flag_laporan_terlambat,
        diklasifikasi.flag_biaya_unit_tinggi,
        cast(diklasifikasi.klasifikasi as varchar) as klasifikasi,
        cast(diklasifikasi.alasan_dampak as varchar) as alasan_dampak,
        cast(
            concat_ws(
                '; ',
                case
                    when not diklasifikasi.ditier
                        then 'seluruh pagu ' || diklasifikasi.jenis_tanpa_tier
                            || ': di luar penilaian dan tier bukti'
                    when diklasifikasi.serapan_dinilai_persen is null
                        then 'pagu akhir 0: serapan tidak dapat dihitung'
                end,
                case
                    when diklasifikasi.ditier and diklasifikasi.pagu_tanpa_tier_rp <> 0
                        then {{ angka_id('diklasifikasi.pagu_tanpa_tier_rp / 1000000', 0) }}
                            || ' juta rupiah ' || diklasifikasi.jenis_tanpa_tier
                            || ' tidak ikut dinilai (serapan dinilai '
                            || coalesce({{ angka_id('diklasifikasi.serapan_dinilai_persen') }}, '-')
                            || '%)'
                end,
                case
                    when diklasifikasi.flag_serapan_rendah
                        then 'serapan ' || {{ angka_id('diklasifikasi.serapan_dinilai_persen') }}
                            || '% (di bawah {{ ambang("serapan_rendah_persen") }}%)'
                end,
                case
                    when diklasifikasi.flag_keluaran_rendah and diklasifikasi.flag_serapan_rendah
                        then 'capaian keluaran '
                            || {{ angka_id('diklasifikasi.capaian_keluaran_persen') }} || '%'
                    when diklasifikasi.flag_keluaran_rendah
                        then 'serapan ' || {{ angka_id('diklasifikasi.serapan_dinilai_persen') }}
                            || '% tetapi capaian keluaran '
                            || {{ angka_id('diklasifikasi.capaian_keluaran_persen') }} || '%'
                end,
                case
                    when diklasifikasi.alasan_dampak is not null then diklasifikasi.alasan_dampak
                    when
                        diklasifikasi.kode_indikator_outcome is not null
                        and not diklasifikasi.ada_data_kelurahan
                        then diklasifikasi.nama_indikator_outcome
                            || ' hanya tersedia tingkat '
                            || {{ jenis_pemda('diklasifikasi.kode_pemda') }} || ': '
                            || 'dampak per kelurahan tidak dapat diukur'
                    when
                        diklasifikasi.kode_indikator_outcome is not null
                        and coalesce(diklasifikasi.jumlah_kelurahan_berlokasi, 0) = 0
                        then 'belanja program tidak berlokasi di kelurahan: dampak pada '
                            || diklasifikasi.nama_indikator_outcome || ' tidak dapat diukur'
                    when diklasifikasi.kode_indikator_outcome is not null
                        then 'data ' || diklasifikasi.nama_indikator_outcome
                            || ' dua tahun berturut-turut belum tersedia untuk kelurahan sasaran'
                    when diklasifikasi.program_penunjang
                        then 'program penunjang urusan: tidak dinilai terhadap outcome wilayah'
                    else 'program belum terhubung ke indikator outcome wilayah (pohon kinerja)'
                end,
                case
                    when diklasifikasi.flag_tanpa_indikator_terukur
                        then 'tidak ada indikator terukur'
                end,
                case
                    when diklasifikasi.flag_laporan_tidak_lengkap
                        then 'laporan triwulan 4 belum diterima (terakhir triwulan '
                            || coalesce(cast(diklasifikasi.triwulan_terakhir_opd as varchar), '-')
                            || ')'
                end,
                case
                    when diklasifikasi.flag_laporan_terlambat
                        then diklasifikasi.jumlah_laporan_terlambat
                            || ' laporan triwulan terlambat'
                end,
                case
                    when diklasifikasi.flag_biaya_unit_tinggi
                        then 'biaya per unit keluaran hingga '
                            || {{ angka_id('diklasifikasi.rasio_biaya_tertinggi', 1) }}
                            || ' kali median sub kegiatan sejenis'
                end
            ) as varchar
        ) as alasan,
        cast(sumber_per_program.sumber_sha256 as varchar) as sumber_sha256
    from diklasifikasi
    left join sumber_per_program
        on
            diklasifikasi.kode_pemda = sumber_per_program.kode_pemda
            and diklasifikasi.tahun = sumber_per_program.tahun
            and diklasifikasi.kode_skpd = sumber_per_program.kode_skpd
            and diklasifikasi.kode_program = sumber_per_program.kode_program

)

select * from final
