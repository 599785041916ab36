{#- One row per fiscal year x OPD x program that serves a kelurahan-level outcome indicator
    (ref_pohon_kinerja, ref_indikator.sumber_acuan_kelurahan): did the indicator improve more
    in the kelurahan where the program's money went than in comparable kelurahan without such
    money, by more than chance? Parameters in the seed ref_aturan_dampak.

    Exposure (paparan): located realisation (fct_belanja_wilayah) judged on the outcome change of
    year tahun_belanja + jeda, the lag of the sub kegiatan's dominant kind of spending
    (int_belanja_jenis_per_sub_kegiatan, seed ref_belanja_bukti: belanja modal a year later).
    Spending outside the tiers (BTT, transfers) is no exposure.

    Kelurahan roles per program-year: sasaran = exposed only to this program among those serving
    the indicator; bersama = exposed to this and another such program (the improvement cannot be
    split between them: counted, listed in program_bersama, left out of the estimate);
    pembanding = no exposure to any program serving the indicator.

    Regression to the mean: the change is regressed on the baseline (last year's value, signed so
    that higher is better) over the pembanding kelurahan; the effect is the realisation-weighted
    mean residual of the sasaran kelurahan, i.e. how much more they improved than kelurahan with
    the same starting point. perbaikan_pembanding is the improvement expected for them from their
    baseline alone; selisih_perbaikan = perbaikan_sasaran - perbaikan_pembanding.

    Uncertainty: jumlah_resampel random placements of the same rupiah weights on pembanding
    kelurahan (drawn without replacement, order from a hash of benih_resampel and the keys, so
    deterministic) give the distribution of the estimate under no effect; the interval is the
    estimate minus its (1 +- tingkat_keyakinan) / 2 quantiles. status_dampak: tidak_terukur (no
    exposure with data), belum_cukup_bukti (below the minimum evidence size or the interval
    contains both 0 and a meaningful effect), berdampak (lower bound > 0), tidak_berdampak (upper
    bound < efek_bermakna: the whole interval below the smallest effect worth paying for).
    Statistics are DOUBLE (they are not money) and stored as DECIMAL. -#}
with

aturan as (

    select
        cast(max(nilai) filter (where kode_parameter = 'kelurahan_sasaran_min') as integer)
            as kelurahan_sasaran_min,
        cast(max(nilai) filter (where kode_parameter = 'belanja_sasaran_min_rp') as decimal(18, 2))
            as belanja_sasaran_min_rp,
        cast(max(nilai) filter (where kode_parameter = 'kelurahan_pembanding_min') as integer)
            as kelurahan_pembanding_min,
        cast(max(nilai) filter (where kode_parameter = 'jumlah_resampel') as integer)
            as jumlah_resampel,
        cast(max(nilai) filter (where kode_parameter = 'benih_resampel') as bigint)
            as benih_resampel,
        cast(max(nilai) filter (where kode_parameter = 'tingkat_keyakinan') as double)
            as tingkat_keyakinan,
        cast(max(nilai) filter (where kode_parameter = 'efek_bermakna_sd') as double)
            as efek_bermakna_sd
    from {{ ref('ref_aturan_dampak') }}

),

program as (

    select distinct
        tahun,
        kode_skpd,
        kode_program
    from {{ ref('fct_belanja_wilayah') }}

),

pohon as (

    select
        cast(kode_program as varchar) as kode_program,
        cast(kode_indikator as varchar) as kode_indikator
    from {{ ref('ref_pohon_kinerja') }}

),

indikator as (

    select
        cast(kode_indikator as varchar) as kode_indikator,
        cast(sumber_acuan_kelurahan as varchar) as sumber
    from {{ ref('ref_indikator') }}
    where coalesce(sumber_acuan_kelurahan, '') <> ''

),

program_terkait as (

    select
        program.tahun,
        program.kode_skpd,
        program.kode_program,
        pohon.kode_indikator,
        indikator.sumber
    from program
    inner join pohon
        on program.kode_program = pohon.kode_program
    inner join indikator
        on pohon.kode_indikator = indikator.kode_indikator

),

belanja as (

    select
        belanja.tahun,
        belanja.kode_skpd,
        belanja.kode_program,
        belanja.kode_wilayah,
        coalesce(jenis.jeda_dampak_tahun, 0) as jeda_dampak_tahun,
        belanja.realisasi_rp
    from {{ ref('fct_belanja_wilayah') }} as belanja
    left join {{ ref('int_belanja_jenis_per_sub_kegiatan') }} as jenis
        on
            belanja.tahun = jenis.tahun
            and belanja.kode_skpd = jenis.kode_skpd
            and belanja.kode_sub_kegiatan = jenis.kode_sub_kegiatan
    where belanja.berlokasi and not coalesce(jenis.tanpa_tier, false)

),

-- located spending judged on the outcome change of year tahun (spent in tahun - jeda)
paparan as (

    select
        tahun + jeda_dampak_tahun as tahun,
        kode_skpd,
        kode_program,
        kode_wilayah,
        sum(realisasi_rp) as belanja_rp,
        min(tahun) as tahun_belanja_awal,
        max(tahun) as tahun_belanja_akhir
    from belanja
    group by all
    having sum(realisasi_rp) > 0

),

-- this year's located spending: how many kelurahan, and how many judged only next year
berlokasi as (

    select
        tahun,
        kode_skpd,
        kode_program,
        count(distinct kode_wilayah) as jumlah_kelurahan_berlokasi,
        count(distinct kode_wilayah) filter (where jeda_dampak_tahun > 0)
            as jumlah_kelurahan_berjeda,
        max(jeda_dampak_tahun) as jeda_dampak_tahun_maks
    from belanja
    where realisasi_rp > 0
    group by tahun, kode_skpd, kode_program

),

disentuh as (

    select
        paparan.tahun,
        pohon.kode_indikator,
        paparan.kode_wilayah,
        count(distinct paparan.kode_skpd || '|' || paparan.kode_program) as jumlah_program,
        list(distinct paparan.kode_program order by paparan.kode_program) as daftar_program
    from paparan
    inner join pohon
        on paparan.kode_program = pohon.kode_program
    group by all

),

perubahan as (

    select
        outcome.tahun,
        outcome.kode_wilayah,
        outcome.kode_indikator,
        outcome.sumber,
        cast(outcome.perbaikan as double) as perbaikan,
        cast(outcome.nilai_tahun_lalu as double)
        * case when outcome.arah = 'turun' then -1 else 1 end as kondisi_awal,
        disentuh.kode_wilayah is null as pembanding
    from {{ ref('fct_outcome_wilayah') }} as outcome
    left join disentuh
        on
            outcome.tahun = disentuh.tahun
            and outcome.kode_indikator = disentuh.kode_indikator
            and outcome.kode_wilayah = disentuh.kode_wilayah
    where
        outcome.tingkat_wilayah = 'kelurahan'
        and outcome.perbaikan is not null
        and outcome.nilai_tahun_lalu is not null

),

-- change regressed on baseline over the comparison kelurahan (regression to the mean)
garis as (

    select
        tahun,
        kode_indikator,
        sumber,
        count(*) as jumlah_pembanding,
        coalesce(regr_slope(perbaikan, kondisi_awal), 0) as kemiringan,
        coalesce(regr_intercept(perbaikan, kondisi_awal), avg(perbaikan)) as intersep
    from perubahan
    where pembanding
    group by tahun, kode_indikator, sumber

),

sisaan as (

    select
        perubahan.*,
        garis.jumlah_pembanding,
        garis.kemiringan,
        garis.intersep + garis.kemiringan * perubahan.kondisi_awal as perbaikan_harapan,
        perubahan.perbaikan
        - (garis.intersep + garis.kemiringan * perubahan.kondisi_awal) as sisa
    from perubahan
    inner join garis
        on
            perubahan.tahun = garis.tahun
            and perubahan.kode_indikator = garis.kode_indikator
            and perubahan.sumber = garis.sumber

),

sebaran as (

    select
        tahun,
        kode_indikator,
        sumber,
        sqrt(sum(sisa * sisa) / nullif(count(*) - 2, 0)) as simpangan_sisa
    from sisaan
    where pembanding
    group by tahun, kode_indikator, sumber

),

peran as (

    select
        program_terkait.tahun,
        program_terkait.kode_skpd,
        program_terkait.kode_program,
        sisaan.kode_wilayah,
        sisaan.perbaikan,
        sisaan.perbaikan_harapan,
        sisaan.sisa,
        cast(paparan.belanja_rp as double) as bobot,
        paparan.belanja_rp,
        paparan.tahun_belanja_awal,
        paparan.tahun_belanja_akhir,
        disentuh.daftar_program,
        case
            when paparan.kode_wilayah is not null and disentuh.jumlah_program = 1 then 'sasaran'
            when paparan.kode_wilayah is not null then 'bersama'
        end as peran
    from program_terkait
    inner join sisaan
        on
            program_terkait.tahun = sisaan.tahun
            and program_terkait.kode_indikator = sisaan.kode_indikator
            and program_terkait.sumber = sisaan.sumber
    left join paparan
        on
            program_terkait.tahun = paparan.tahun
            and program_terkait.kode_skpd = paparan.kode_skpd
            and program_terkait.kode_program = paparan.kode_program
            and sisaan.kode_wilayah = paparan.kode_wilayah
    left join disentuh
        on
            sisaan.tahun = disentuh.tahun
            and sisaan.kode_indikator = disentuh.kode_indikator
            and sisaan.kode_wilayah = disentuh.kode_wilayah
    where paparan.kode_wilayah is not null

),

ringkas as (

    select
        tahun,
        kode_skpd,
        kode_program,
        count(*) filter (where peran = 'sasaran') as n_sasaran,
        count(*) filter (where peran = 'bersama') as n_bersama,
        sum(belanja_rp) filter (where peran = 'sasaran') as belanja_sasaran_rp,
        sum(belanja_rp) filter (where peran = 'bersama') as belanja_bersama_rp,
        min(tahun_belanja_awal) as tahun_belanja_awal,
        max(tahun_belanja_akhir) as tahun_belanja_akhir,
        sum(bobot * perbaikan) filter (where peran = 'sasaran')
        / sum(bobot) filter (where peran = 'sasaran') as perbaikan_sasaran,
        sum(bobot * perbaikan_harapan) filter (where peran = 'sasaran')
        / sum(bobot) filter (where peran = 'sasaran') as perbaikan_pembanding,
        sum(bobot * sisa) filter (where peran = 'sasaran')
        / sum(bobot) filter (where peran = 'sasaran') as selisih,
        list_filter(
            list_sort(
                list_distinct(flatten(list(daftar_program) filter (where peran = 'bersama')))
            ),
            lambda kode: kode <> kode_program
        ) as daftar_bersama
    from peran
    group by tahun, kode_skpd, kode_program

),

program_indikator as (

    select
        ringkas.*,
        program_terkait.kode_indikator,
        program_terkait.sumber,
        garis.jumlah_pembanding,
        garis.kemiringan,
        sebaran.simpangan_sisa
    from ringkas
    inner join program_terkait
        on
            ringkas.tahun = program_terkait.tahun
            and ringkas.kode_skpd = program_terkait.kode_skpd
            and ringkas.kode_program = program_terkait.kode_program
    left join garis
        on
            program_terkait.tahun = garis.tahun
            and program_terkait.kode_indikator = garis.kode_indikator
            and program_terkait.sumber = garis.sumber
    left join sebaran
        on
            program_terkait.tahun = sebaran.tahun
            and program_terkait.kode_indikator = sebaran.kode_indikator
            and program_terkait.sumber = sebaran.sumber

),

-- the program's sasaran weights in kelurahan order: slot k of a random placement gets weight k
bobot_urut as (

    select
        tahun,
        kode_skpd,
        kode_program,
        bobot,
        row_number() over (
            partition by tahun, kode_skpd, kode_program order by kode_wilayah
        ) as slot
    from peran
    where peran = 'sasaran'

),

diacak as (

    select
        program_indikator.tahun,
        program_indikator.kode_skpd,
        program_indikator.kode_program,
        resampel.resampel,
        sisaan.sisa,
        row_number() over (
            partition by
                program_indikator.tahun,
                program_indikator.kode_skpd,
                program_indikator.kode_program,
                resampel.resampel
            order by
                -- one string, then one hash: DuckDB's multi-argument hash combines the
                -- argument hashes so weakly that the orders barely change between resamples
                hash(
                    concat_ws(
                        '|', aturan.benih_resampel, program_indikator.tahun,
                        program_indikator.kode_skpd, program_indikator.kode_program,
                        resampel.resampel, sisaan.kode_wilayah
                    )
                ),
                sisaan.kode_wilayah
        ) as slot
    from program_indikator
    cross join aturan
    cross join generate_series(1, aturan.jumlah_resampel) as resampel (resampel)
    inner join sisaan
        on
            program_indikator.tahun = sisaan.tahun
            and program_indikator.kode_indikator = sisaan.kode_indikator
            and program_indikator.sumber = sisaan.sumber
            and sisaan.pembanding
    where
        program_indikator.n_sasaran > 0
        and program_indikator.jumlah_pembanding >= program_indikator.n_sasaran

),

statistik_acak as (

    select
        diacak.tahun,
        diacak.kode_skpd,
        diacak.kode_program,
        diacak.resampel,
        sum(bobot_urut.bobot * diacak.sisa) / sum(bobot_urut.bobot) as statistik
    from diacak
    inner join bobot_urut
        on
            diacak.tahun = bobot_urut.tahun
            and diacak.kode_skpd = bobot_urut.kode_skpd
            and diacak.kode_program = bobot_urut.kode_program
            and diacak.slot = bobot_urut.slot
    group by all

),

urutan_acak as (

    select
        tahun,
        kode_skpd,
        kode_program,
        list_sort(list(statistik)) as urut,
        count(*) as jumlah,
        stddev_samp(statistik) as galat_baku
    from statistik_acak
    group by tahun, kode_skpd, kode_program

),

-- empirical quantiles (the ceil(p x n)-th of the sorted placements)
rentang as (

    select
        urutan_acak.tahun,
        urutan_acak.kode_skpd,
        urutan_acak.kode_program,
        urutan_acak.galat_baku,
        urutan_acak.urut[
            greatest(
                1,
                cast(ceil((1 - aturan.tingkat_keyakinan) / 2 * urutan_acak.jumlah) as integer)
            )
        ] as q_bawah,
        urutan_acak.urut[
            least(
                urutan_acak.jumlah,
                cast(ceil((1 + aturan.tingkat_keyakinan) / 2 * urutan_acak.jumlah) as integer)
            )
        ] as q_atas
    from urutan_acak
    cross join aturan

),

dinilai as (

    select
        program_indikator.*,
        program_indikator.selisih - rentang.q_atas as batas_bawah,
        program_indikator.selisih - rentang.q_bawah as batas_atas,
        program_indikator.selisih / nullif(rentang.galat_baku, 0) as skor,
        aturan.efek_bermakna_sd * program_indikator.simpangan_sisa as efek_bermakna,
        case
            when program_indikator.n_sasaran = 0 then 'kelurahan_bersama'
            when program_indikator.n_sasaran < aturan.kelurahan_sasaran_min
                then 'kelurahan_sasaran_kurang'
            when program_indikator.belanja_sasaran_rp < aturan.belanja_sasaran_min_rp
                then 'belanja_kurang'
            when
                coalesce(program_indikator.jumlah_pembanding, 0)
                < greatest(aturan.kelurahan_pembanding_min, program_indikator.n_sasaran)
                then 'pembanding_kurang'
        end as kekurangan_bukti
    from program_indikator
    cross join aturan
    left join rentang
        on
            program_indikator.tahun = rentang.tahun
            and program_indikator.kode_skpd = rentang.kode_skpd
            and program_indikator.kode_program = rentang.kode_program

),

final as (

    select
        program_terkait.tahun,
        program_terkait.kode_skpd,
        program_terkait.kode_program,
        program_terkait.kode_indikator,
        program_terkait.sumber,
        coalesce(berlokasi.jumlah_kelurahan_berlokasi, 0) as jumlah_kelurahan_berlokasi,
        coalesce(berlokasi.jumlah_kelurahan_berjeda, 0) as jumlah_kelurahan_berjeda,
        coalesce(berlokasi.jeda_dampak_tahun_maks, 0) as jeda_dampak_tahun_maks,
        dinilai.tahun_belanja_awal,
        dinilai.tahun_belanja_akhir,
        coalesce(dinilai.n_sasaran, 0) as jumlah_kelurahan_sasaran,
        coalesce(dinilai.n_bersama, 0) as jumlah_kelurahan_bersama,
        coalesce(dinilai.jumlah_pembanding, 0) as jumlah_kelurahan_pembanding,
        cast(coalesce(dinilai.belanja_sasaran_rp, 0) as decimal(18, 2)) as belanja_sasaran_rp,
        cast(coalesce(dinilai.belanja_bersama_rp, 0) as decimal(18, 2)) as belanja_bersama_rp,
        array_to_string(dinilai.daftar_bersama, ', ') as program_bersama,
        cast(dinilai.kemiringan as decimal(12, 4)) as kemiringan_kondisi_awal,
        cast(dinilai.perbaikan_sasaran as decimal(18, 4)) as perbaikan_sasaran,
        cast(dinilai.perbaikan_pembanding as decimal(18, 4)) as perbaikan_pembanding,
        cast(dinilai.selisih as decimal(18, 4)) as selisih_perbaikan,
        cast(dinilai.batas_bawah as decimal(18, 4)) as selisih_batas_bawah,
        cast(dinilai.batas_atas as decimal(18, 4)) as selisih_batas_atas,
        cast(dinilai.efek_bermakna as decimal(18, 4)) as efek_bermakna,
        cast(dinilai.skor as decimal(12, 2)) as skor_dampak,
        dinilai.kekurangan_bukti,
        case
            when dinilai.tahun is null then 'tidak_terukur'
            when dinilai.kekurangan_bukti is not null then 'belum_cukup_bukti'
            when dinilai.batas_bawah > 0 then 'berdampak'
            when dinilai.batas_atas < dinilai.efek_bermakna then 'tidak_berdampak'
            else 'belum_cukup_bukti'
        end as status_dampak
    from program_terkait
    left join dinilai
        on
            program_terkait.tahun = dinilai.tahun
            and program_terkait.kode_skpd = dinilai.kode_skpd
            and program_terkait.kode_program = dinilai.kode_program
    left join berlokasi
        on
            program_terkait.tahun = berlokasi.tahun
            and program_terkait.kode_skpd = berlokasi.kode_skpd
            and program_terkait.kode_program = berlokasi.kode_program

)

select * from final
