{#- One row per fiscal year x OPD x sub kegiatan: the drill-down of mart_prioritas_alokasi with the
    same rule (macro tier_bukti, parameters in ref_aturan_tier) applied to the sub kegiatan's own
    absorption (of its money inside the tiers), output achievement, cost ratio and the need of its
    kelurahan. The outcome effect is measured per program (int_program_outcome_compared), so the
    sub kegiatan inherits its program's effect verdict (status_dampak); its own klasifikasi_kinerja
    is serapan_rendah or tidak_efektif from its own absorption and outputs (thresholds of
    ref_aturan_tier), otherwise the program's effect verdict. mutu_data is 1 with a measurable
    output and 0 without; history counts the years the sub kegiatan had a pagu. A sub kegiatan
    whose money is all BTT or transfers (ref_belanja_bukti) has no tier. -#}
with

aturan as (

    {{ aturan_tier_pivot() }}

),

sub as (

    select * from {{ ref('int_kinerja_sub_kegiatan_assessed') }}

),

program as (

    select * from {{ ref('int_prioritas_alokasi_tiered') }}

),

kinerja as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_program,
        alasan_dampak
    from {{ ref('int_kinerja_program_assessed') }}

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

riwayat as (

    select
        sub.kode_pemda,
        sub.tahun,
        sub.kode_skpd,
        sub.kode_sub_kegiatan,
        count(distinct lalu.tahun) filter (where lalu.pagu_akhir_rp > 0) as tahun_riwayat
    from sub
    inner join sub as lalu
        on
            sub.kode_pemda = lalu.kode_pemda
            and sub.kode_skpd = lalu.kode_skpd
            and sub.kode_sub_kegiatan = lalu.kode_sub_kegiatan
            and sub.tahun >= lalu.tahun
    group by sub.kode_pemda, sub.tahun, sub.kode_skpd, sub.kode_sub_kegiatan

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
        from sub
    ) as tahun_ada

),

komponen as (

    select
        sub.kode_pemda,
        sub.tahun,
        sub.kode_skpd,
        sub.nama_skpd,
        sub.kode_program,
        sub.nama_program,
        sub.kode_sub_kegiatan,
        sub.nama_sub_kegiatan,
        sub.kode_wilayah_lokasi,
        sub.nama_wilayah_lokasi,
        substr(sub.kode_program, 6, 2) = '01' as program_penunjang,
        sub.pagu_akhir_rp,
        sub.realisasi_rp,
        sub.serapan_persen,
        sub.capaian_keluaran_persen,
        sub.jumlah_indikator_terukur,
        not coalesce(jenis.tanpa_tier, false) as ditier,
        jenis.jenis_tanpa_tier,
        sub.pagu_akhir_rp - coalesce(jenis.pagu_tanpa_tier_rp, 0) as pagu_dinilai_rp,
        {{ persen_half_up(
            'sub.realisasi_rp - coalesce(jenis.realisasi_tanpa_tier_rp, 0)',
            'sub.pagu_akhir_rp - coalesce(jenis.pagu_tanpa_tier_rp, 0)'
        ) }} as serapan_dinilai_persen,
        program.status_dampak,
        kinerja.alasan_dampak,
        program.tier as tier_program,
        program.skor_dampak,
        program.selisih_perbaikan_outcome,
        program.skor_dampak_rata_rata,
        coalesce(program.jumlah_tahun_dampak, 0) as jumlah_tahun_dampak,
        case
            when sub.jumlah_pembanding_biaya >= aturan.pembanding_biaya_min
                then sub.rasio_biaya_terhadap_median
        end as rasio_biaya_terhadap_median,
        persentil.persentil_kebutuhan,
        case when sub.capaian_keluaran_persen is not null then 1.0 else 0.0 end as mutu_data,
        riwayat.tahun_riwayat,
        riwayat.tahun_riwayat < least(aturan.tahun_riwayat_min, tahun_data.jumlah_tahun_data)
            as program_baru,
        {{ skor_serapan(persen_half_up(
            'sub.realisasi_rp - coalesce(jenis.realisasi_tanpa_tier_rp, 0)',
            'sub.pagu_akhir_rp - coalesce(jenis.pagu_tanpa_tier_rp, 0)'
        )) }} as skor_serapan,
        {{ skor_ramp(
            'sub.capaian_keluaran_persen', 'aturan.capaian_keluaran_buruk', '100.0'
        ) }} as skor_capaian_keluaran,
        case program.status_dampak
            when 'berdampak' then 1.0
            when 'tidak_berdampak' then 0.0
        end as skor_dampak_outcome,
        {{ skor_ramp(
            'case when sub.jumlah_pembanding_biaya >= aturan.pembanding_biaya_min
                then sub.rasio_biaya_terhadap_median end',
            'aturan.rasio_biaya_mahal',
            '1.0'
        ) }} as skor_biaya_per_keluaran,
        {{ skor_ramp('persentil.persentil_kebutuhan', '0.0', '1.0') }} as skor_kebutuhan_wilayah,
        coalesce(program.status_dampak = 'berdampak', false) as dampak_terbukti
    from sub
    cross join aturan
    left join {{ ref('int_belanja_jenis_per_sub_kegiatan') }} as jenis
        on
            sub.kode_pemda = jenis.kode_pemda
            and sub.tahun = jenis.tahun
            and sub.kode_skpd = jenis.kode_skpd
            and sub.kode_sub_kegiatan = jenis.kode_sub_kegiatan
    inner join riwayat
        on
            sub.kode_pemda = riwayat.kode_pemda
            and sub.tahun = riwayat.tahun
            and sub.kode_skpd = riwayat.kode_skpd
            and sub.kode_sub_kegiatan = riwayat.kode_sub_kegiatan
    inner join tahun_data
        on
            sub.kode_pemda = tahun_data.kode_pemda
            and sub.tahun = tahun_data.tahun
    left join program
        on
            sub.kode_pemda = program.kode_pemda
            and sub.tahun = program.tahun
            and sub.kode_skpd = program.kode_skpd
            and sub.kode_program = program.kode_program
    left join kinerja
        on
            sub.kode_pemda = kinerja.kode_pemda
            and sub.tahun = kinerja.tahun
            and sub.kode_skpd = kinerja.kode_skpd
            and sub.kode_program = kinerja.kode_program
    left join persentil
        on
            sub.kode_pemda = persentil.kode_pemda
            and sub.tahun = persentil.tahun
            and sub.kode_wilayah_lokasi = persentil.kode_wilayah

),

diklasifikasi as (

    select
        komponen.*,
        case
            when komponen.serapan_dinilai_persen is null then 'belum_dapat_dinilai'
            when komponen.serapan_dinilai_persen < aturan.serapan_rendah then 'serapan_rendah'
            when komponen.capaian_keluaran_persen < aturan.capaian_keluaran_buruk
                then 'tidak_efektif'
            when komponen.status_dampak = 'berdampak' then 'efektif'
            when komponen.status_dampak = 'tidak_berdampak' then 'tidak_efektif'
            when komponen.status_dampak = 'belum_cukup_bukti' then 'belum_cukup_bukti'
            when komponen.jumlah_indikator_terukur = 0 then 'belum_dapat_dinilai'
            else 'dampak_belum_terukur'
        end as klasifikasi_kinerja
    from komponen
    cross join aturan

),

dinilai as (

    select
        diklasifikasi.*,
        {{ skor_bukti([
            ('diklasifikasi.skor_serapan', 'aturan.bobot_serapan'),
            ('diklasifikasi.skor_capaian_keluaran', 'aturan.bobot_capaian_keluaran'),
            ('diklasifikasi.skor_dampak_outcome', 'aturan.bobot_dampak_outcome'),
            ('diklasifikasi.skor_biaya_per_keluaran', 'aturan.bobot_biaya_per_keluaran'),
            ('diklasifikasi.skor_kebutuhan_wilayah', 'aturan.bobot_kebutuhan_wilayah'),
        ]) }} as skor_bukti,
        coalesce(diklasifikasi.klasifikasi_kinerja in ('serapan_rendah', 'tidak_efektif'), false)
            as gagal_inti
    from diklasifikasi
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
        cast(bertier.kode_sub_kegiatan as varchar) as kode_sub_kegiatan,
        cast(bertier.nama_sub_kegiatan as varchar) as nama_sub_kegiatan,
        cast(bertier.kode_wilayah_lokasi as varchar) as kode_wilayah_lokasi,
        cast(bertier.nama_wilayah_lokasi as varchar) as nama_wilayah_lokasi,
        cast(bertier.skor_dampak_rata_rata as decimal(12, 2)) as skor_dampak_rata_rata,
        cast(bertier.rasio_biaya_terhadap_median as decimal(12, 2)) as rasio_biaya_terhadap_median,
        cast(bertier.mutu_data as decimal(5, 4)) as mutu_data,
        cast(bertier.jumlah_indikator_terukur as integer) as jumlah_indikator_terukur,
        cast(coalesce(bertier.tier_program, 'B') as varchar) as tier_program,
        {{ kolom_tier('bertier') }}
    from bertier
    cross join aturan

)

select * from final
