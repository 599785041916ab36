{#- One row per fiscal year x OPD x program: the evidence tier A-D a planner reads before moving
    money (A pertahankan/tambah, B pertahankan, C tinjau ulang, D kandidat pemotongan), with the
    component figures and scores behind it and the reasons in plain Indonesian. The rule (macro
    tier_bukti, parameters in the seed ref_aturan_tier) follows the program's klasifikasi in
    mart_kinerja_program (one verdict: D only with evidence of waste, A only with an effect seen)
    and is described in the design note of dagster_project/lib/planning/scenario.py. Components,
    each in [0, 1] and null when not measurable: serapan (of the money inside the tiers: BTT and
    transfers are left out, ref_belanja_bukti), capaian keluaran, dampak outcome (1 when the
    effect interval of this year lies above 0, 0 when it lies below a meaningful effect, null
    when the evidence is not enough), biaya per keluaran (realisation-weighted ratio to the peer
    median) and kebutuhan wilayah (realisation-weighted need percentile of the kelurahan served).
    mutu_data = share of sub kegiatan with a measurable output. A program whose money is all
    outside the tiers has no tier (ditier false, alasan says why); skor_dampak_rata_rata over
    tahun_tren years is shown for context only and decides nothing. -#}
{{ config(materialized='irisan_pemda') }}
with

aturan as (

    {{ aturan_tier_pivot() }}

),

program as (

    select * from {{ ref('int_kinerja_program_assessed') }}

),

persentil as (

    select
        kode_pemda,
        tahun,
        kode_wilayah,
        percent_rank()
            over (partition by kode_pemda, tahun order by indeks_kebutuhan)
            as persentil_kebutuhan
    from {{ ref('int_kebutuhan_wilayah_ranked') }}
    where tingkat_wilayah = 'kelurahan' and indeks_kebutuhan is not null

),

sub_kegiatan as (

    select
        sub.kode_pemda,
        sub.tahun,
        sub.kode_skpd,
        sub.kode_program,
        sub.capaian_keluaran_persen,
        greatest(sub.realisasi_rp, 0) as bobot_rp,
        case
            when sub.jumlah_pembanding_biaya >= aturan.pembanding_biaya_min
                then sub.rasio_biaya_terhadap_median
        end as rasio_biaya,
        persentil.persentil_kebutuhan
    from {{ ref('int_kinerja_sub_kegiatan_assessed') }} as sub
    cross join aturan
    left join persentil
        on
            sub.kode_pemda = persentil.kode_pemda
            and sub.tahun = persentil.tahun
            and sub.kode_wilayah_lokasi = persentil.kode_wilayah

),

per_program as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_program,
        count(*) filter (where capaian_keluaran_persen is not null)
            as jumlah_sub_kegiatan_terukur,
        count(*) filter (where capaian_keluaran_persen is not null) / count(*) as mutu_data,
        sum(rasio_biaya * bobot_rp)
        / nullif(sum(bobot_rp) filter (where rasio_biaya is not null), 0)
            as rasio_biaya_terhadap_median,
        sum(persentil_kebutuhan * bobot_rp)
        / nullif(sum(bobot_rp) filter (where persentil_kebutuhan is not null), 0)
            as persentil_kebutuhan
    from sub_kegiatan
    group by kode_pemda, tahun, kode_skpd, kode_program

),

riwayat as (

    select
        program.kode_pemda,
        program.tahun,
        program.kode_skpd,
        program.kode_program,
        count(distinct lalu.tahun) filter (where lalu.pagu_akhir_rp > 0) as tahun_riwayat,
        avg(cast(lalu.skor_dampak as double)) filter (
            where lalu.tahun > program.tahun - aturan.tahun_tren
        ) as skor_dampak_rata_rata,
        count(lalu.skor_dampak) filter (where lalu.tahun > program.tahun - aturan.tahun_tren)
            as jumlah_tahun_dampak
    from program
    cross join aturan
    inner join program as lalu
        on
            program.kode_pemda = lalu.kode_pemda
            and program.kode_skpd = lalu.kode_skpd
            and program.kode_program = lalu.kode_program
            and program.tahun >= lalu.tahun
    group by program.kode_pemda, program.tahun, program.kode_skpd, program.kode_program

),

tahun_data as (

    select
        kode_pemda,
        tahun,
        count(*) over (partition by kode_pemda order by tahun) as jumlah_tahun_data
    from (
        select distinct
            kode_pemda,
            tahun
        from program
    ) as tahun_ada

),

komponen as (

    select
        program.kode_pemda,
        program.tahun,
        program.kode_skpd,
        program.nama_skpd,
        program.kode_program,
        program.nama_program,
        program.program_penunjang,
        program.pagu_akhir_rp,
        program.realisasi_rp,
        program.serapan_persen,
        program.capaian_keluaran_persen,
        program.jumlah_sub_kegiatan,
        program.jumlah_indikator_terukur,
        program.skor_dampak,
        program.selisih_perbaikan_outcome,
        program.klasifikasi as klasifikasi_kinerja,
        program.ditier,
        program.pagu_tanpa_tier_rp,
        program.pagu_akhir_rp - program.pagu_tanpa_tier_rp as pagu_dinilai_rp,
        program.jenis_tanpa_tier,
        program.serapan_dinilai_persen,
        program.status_dampak,
        program.alasan_dampak,
        riwayat.skor_dampak_rata_rata,
        riwayat.jumlah_tahun_dampak,
        per_program.rasio_biaya_terhadap_median,
        per_program.persentil_kebutuhan,
        per_program.jumlah_sub_kegiatan_terukur,
        coalesce(per_program.mutu_data, 0) as mutu_data,
        riwayat.tahun_riwayat,
        riwayat.tahun_riwayat < least(aturan.tahun_riwayat_min, tahun_data.jumlah_tahun_data)
            as program_baru,
        {{ skor_serapan('program.serapan_dinilai_persen') }} as skor_serapan,
        {{ skor_ramp(
            'program.capaian_keluaran_persen', 'aturan.capaian_keluaran_buruk', '100.0'
        ) }} as skor_capaian_keluaran,
        case program.status_dampak
            when 'berdampak' then 1.0
            when 'tidak_berdampak' then 0.0
        end as skor_dampak_outcome,
        {{ skor_ramp(
            'per_program.rasio_biaya_terhadap_median', 'aturan.rasio_biaya_mahal', '1.0'
        ) }} as skor_biaya_per_keluaran,
        {{ skor_ramp('per_program.persentil_kebutuhan', '0.0', '1.0') }} as skor_kebutuhan_wilayah,
        coalesce(program.status_dampak = 'berdampak', false) as dampak_terbukti
    from program
    cross join aturan
    inner join riwayat
        on
            program.kode_pemda = riwayat.kode_pemda
            and program.tahun = riwayat.tahun
            and program.kode_skpd = riwayat.kode_skpd
            and program.kode_program = riwayat.kode_program
    inner join tahun_data
        on
            program.kode_pemda = tahun_data.kode_pemda
            and program.tahun = tahun_data.tahun
    left join per_program
        on
            program.kode_pemda = per_program.kode_pemda
            and program.tahun = per_program.tahun
            and program.kode_skpd = per_program.kode_skpd
            and program.kode_program = per_program.kode_program

),

dinilai as (

    select
        komponen.*,
        {{ skor_bukti([
            ('komponen.skor_serapan', 'aturan.bobot_serapan'),
            ('komponen.skor_capaian_keluaran', 'aturan.bobot_capaian_keluaran'),
            ('komponen.skor_dampak_outcome', 'aturan.bobot_dampak_outcome'),
            ('komponen.skor_biaya_per_keluaran', 'aturan.bobot_biaya_per_keluaran'),
            ('komponen.skor_kebutuhan_wilayah', 'aturan.bobot_kebutuhan_wilayah'),
        ]) }} as skor_bukti,
        coalesce(komponen.klasifikasi_kinerja in ('serapan_rendah', 'tidak_efektif'), false)
            as gagal_inti
    from komponen
    cross join aturan

),

bertier as (

    select
        dinilai.*,
        {{ tier_bukti() }} as tier
    from dinilai
    cross join aturan

),

final as (

    select
        cast(bertier.kode_pemda as varchar) as kode_pemda,
        cast(bertier.tahun as integer) as tahun,
        cast(bertier.kode_skpd as varchar) as kode_skpd,
        cast(bertier.nama_skpd as varchar) as nama_skpd,
        cast(bertier.kode_program as varchar) as kode_program,
        cast(bertier.nama_program as varchar) as nama_program,
        cast(bertier.pagu_tanpa_tier_rp as decimal(18, 2)) as pagu_tanpa_tier_rp,
        cast(round(bertier.skor_dampak_rata_rata, 2) as decimal(12, 2)) as skor_dampak_rata_rata,
        cast(round(bertier.rasio_biaya_terhadap_median, 2) as decimal(12, 2))
            as rasio_biaya_terhadap_median,
        cast(bertier.jumlah_sub_kegiatan as integer) as jumlah_sub_kegiatan,
        cast(bertier.jumlah_sub_kegiatan_terukur as integer) as jumlah_sub_kegiatan_terukur,
        cast(round(bertier.mutu_data, 4) as decimal(5, 4)) as mutu_data,
        {{ kolom_tier('bertier') }}
    from bertier
    cross join aturan

)

select * from final
