{#- One row per fiscal year x OPD x program that serves a kelurahan-level outcome indicator
    (ref_pohon_kinerja, ref_indikator.sumber_acuan_kelurahan): did the indicator improve more
    in the kelurahan where the program's money went than in comparable kelurahan without such
    money, by more than chance? Parameters in the seed ref_aturan_dampak.

    Exposure (paparan): located realisation (fct_belanja_wilayah) judged on the outcome change of
    year tahun_belanja + jeda, the lag of the sub kegiatan's dominant kind of spending
    (int_belanja_jenis_per_sub_kegiatan, seed ref_belanja_bukti: belanja modal a year later).
    Spending outside the tiers (BTT, transfers) is no exposure.

    Kelurahan roles per program-year: sasaran = the kelurahan with data where this program's money
    went; bersama = those of them where another program serving the same indicator also spent
    (counted, listed in program_bersama); pembanding = every kelurahan with data where this program
    did not spend.

    Regression to the mean and overlapping programs, by passes over the program's pembanding
    kelurahan. Pass 0: the change regressed on the baseline (last year's value, signed so that
    higher is better) and on program_lain, how many other programs serving the indicator spent
    there (their average effect). Passes 1..6: from every kelurahan's change the current effects
    of the other programs that spent there (every program, however few its kelurahan) are taken
    off, the rest is regressed on the baseline, and the program's effect moves towards the
    residual of its own kelurahan by a step of 1 / (1 + the mean number of other programs there):
    a damped iteration towards the least-squares split of each improvement between the programs
    that spent there, so one improvement is not credited to every program that spent there.
    A sasaran kelurahan weighs the program's realisation there, at most bobot_maks_median times
    the median over its sasaran kelurahan; its residual is divided by its doses (lapisan: the
    years of spending whose effect lands this year, e.g. last year's works and this year's
    services). The effect (selisih_perbaikan, per dose) is the weighted mean of these: how much
    more the sasaran kelurahan improved than kelurahan with the same starting point, other
    programs' effects aside. perbaikan_sasaran and perbaikan_pembanding (the improvement expected
    there without this program) are weighted means of the same kelurahan.

    Evidence window: the verdict of year t rests on the program's sasaran kelurahan of years
    t - jendela_tahun_bukti + 1 .. t + jendela_tahun_bukti_sesudah (tahun_data) that have data,
    each year's residuals from that year's own comparison; jumlah_kelurahan_sasaran and
    belanja_sasaran_rp count the distinct kelurahan and the realisation over the window (the
    minimum evidence size applies to them). The window reaches forward as well as back because
    the premise of pooling years (one program's effect is stable from one year to the next) is
    symmetric: a first-year program is otherwise judged on its first year alone, often three
    kelurahan, and abstains for want of power although next year's data on the same program is
    there. It is a retrospective verdict: year t's row is revised once year t + 1's outcomes
    arrive (tahun_data shows which years it rests on). A program-year without a sasaran
    kelurahan of its own year is not judged (tidak_terukur), so a year's verdict never rests on
    later years alone.

    Uncertainty: jumlah_resampel random placements of the same weights and doses on the clean
    pembanding kelurahan of each data year, those where no program serving the indicator spent
    (drawn without replacement, order from a hash of benih_resampel and the keys, so
    deterministic), give the distribution of the estimate under no effect. Only clean kelurahan:
    the residuals of kelurahan where other programs spent are shrunk by estimating those
    programs' effects from them (a program's effect absorbs the mean of its own kelurahan), and
    placements on them gave intervals too narrow, so null programs came out berdampak. The
    comparison line is estimated too: the variance of its intercept and slope at the sasaran
    kelurahan's baselines (varians_garis) widens the placements' quantiles by
    sqrt(1 + varians_garis / galat_baku^2). The interval is the estimate minus those widened
    (1 +- tingkat_keyakinan) / 2 quantiles; efek_bermakna is efek_bermakna_sd residual standard
    deviations of the clean kelurahan. status_dampak: tidak_terukur (no
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
            as efek_bermakna_sd,
        cast(max(nilai) filter (where kode_parameter = 'bobot_maks_median') as double)
            as bobot_maks_median,
        cast(max(nilai) filter (where kode_parameter = 'jendela_tahun_bukti') as integer)
            as jendela_tahun_bukti,
        cast(max(nilai) filter (where kode_parameter = 'jendela_tahun_bukti_sesudah') as integer)
            as jendela_tahun_bukti_sesudah
    from {{ ref('ref_aturan_dampak') }}

),

program as (

    select distinct
        kode_pemda,
        tahun,
        kode_skpd,
        kode_program
    from {{ ref('int_belanja_split_to_wilayah') }}

),

pohon as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(kode_program as varchar) as kode_program,
        cast(kode_indikator as varchar) as kode_indikator
    from {{ ref('stg_daftar__pohon_kinerja') }}

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
        program.kode_pemda,
        program.tahun,
        program.kode_skpd,
        program.kode_program,
        pohon.kode_indikator,
        indikator.sumber
    from program
    inner join pohon
        on
            program.kode_pemda = pohon.kode_pemda
            and program.kode_program = pohon.kode_program
    inner join indikator
        on pohon.kode_indikator = indikator.kode_indikator

),

belanja as (

    select
        belanja.kode_pemda,
        belanja.tahun,
        belanja.kode_skpd,
        belanja.kode_program,
        belanja.kode_wilayah,
        coalesce(jenis.jeda_dampak_tahun, 0) as jeda_dampak_tahun,
        belanja.realisasi_rp
    from {{ ref('int_belanja_split_to_wilayah') }} as belanja
    left join {{ ref('int_belanja_jenis_per_sub_kegiatan') }} as jenis
        on
            belanja.kode_pemda = jenis.kode_pemda
            and belanja.tahun = jenis.tahun
            and belanja.kode_skpd = jenis.kode_skpd
            and belanja.kode_sub_kegiatan = jenis.kode_sub_kegiatan
    where belanja.berlokasi and not coalesce(jenis.tanpa_tier, false)

),

-- located spending judged on the outcome change of year tahun (spent in tahun - jeda)
paparan as (

    select
        kode_pemda,
        tahun + jeda_dampak_tahun as tahun,
        kode_skpd,
        kode_program,
        kode_wilayah,
        sum(realisasi_rp) as belanja_rp,
        -- years of spending whose effect lands this year (last year's works, this year's
        -- services): each is one dose of the program's effect
        cast(count(distinct tahun) as double) as lapisan,
        min(tahun) as tahun_belanja_awal,
        max(tahun) as tahun_belanja_akhir
    from belanja
    group by all
    having sum(realisasi_rp) > 0

),

-- this year's located spending: how many kelurahan, and how many judged only next year
berlokasi as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_program,
        count(distinct kode_wilayah) as jumlah_kelurahan_berlokasi,
        count(distinct kode_wilayah) filter (where jeda_dampak_tahun > 0)
            as jumlah_kelurahan_berjeda,
        max(jeda_dampak_tahun) as jeda_dampak_tahun_maks
    from belanja
    where realisasi_rp > 0
    group by kode_pemda, tahun, kode_skpd, kode_program

),

disentuh as (

    select
        paparan.kode_pemda,
        paparan.tahun,
        pohon.kode_indikator,
        paparan.kode_wilayah,
        count(distinct paparan.kode_skpd || '|' || paparan.kode_program) as jumlah_program,
        list(distinct paparan.kode_program order by paparan.kode_program) as daftar_program
    from paparan
    inner join pohon
        on
            paparan.kode_pemda = pohon.kode_pemda
            and paparan.kode_program = pohon.kode_program
    group by all

),

perubahan as (

    select
        outcome.kode_pemda,
        outcome.tahun,
        outcome.kode_wilayah,
        outcome.kode_indikator,
        outcome.sumber,
        cast(outcome.perbaikan as double) as perbaikan,
        cast(outcome.nilai_tahun_lalu as double)
        * case when outcome.arah = 'turun' then -1 else 1 end as kondisi_awal,
        coalesce(disentuh.jumlah_program, 0) as jumlah_program,
        disentuh.daftar_program
    from {{ ref('int_outcome_wilayah_compared_to_tahun_lalu') }} as outcome
    left join disentuh
        on
            outcome.kode_pemda = disentuh.kode_pemda
            and outcome.tahun = disentuh.tahun
            and outcome.kode_indikator = disentuh.kode_indikator
            and outcome.kode_wilayah = disentuh.kode_wilayah
    where
        outcome.tingkat_wilayah = 'kelurahan'
        and outcome.perbaikan is not null
        and outcome.nilai_tahun_lalu is not null

),

-- every kelurahan with data, per program serving its indicator: does this program spend there
-- (milik), and how many other programs serving the indicator do (program_lain)
kelurahan_program as (

    select
        program_terkait.kode_pemda,
        program_terkait.tahun,
        program_terkait.kode_skpd,
        program_terkait.kode_program,
        program_terkait.kode_indikator,
        program_terkait.sumber,
        perubahan.kode_wilayah,
        perubahan.perbaikan,
        perubahan.kondisi_awal,
        perubahan.daftar_program,
        paparan.belanja_rp,
        coalesce(paparan.lapisan, 0) as lapisan,
        paparan.tahun_belanja_awal,
        paparan.tahun_belanja_akhir,
        paparan.kode_wilayah is not null as milik,
        cast(
            perubahan.jumlah_program - case when paparan.kode_wilayah is null then 0 else 1 end
            as double
        ) as program_lain
    from program_terkait
    inner join perubahan
        on
            program_terkait.kode_pemda = perubahan.kode_pemda
            and program_terkait.tahun = perubahan.tahun
            and program_terkait.kode_indikator = perubahan.kode_indikator
            and program_terkait.sumber = perubahan.sumber
    left join paparan
        on
            program_terkait.kode_pemda = paparan.kode_pemda
            and program_terkait.tahun = paparan.tahun
            and program_terkait.kode_skpd = paparan.kode_skpd
            and program_terkait.kode_program = paparan.kode_program
            and perubahan.kode_wilayah = paparan.kode_wilayah

),

-- a sasaran kelurahan weighs its realisation, at most bobot_maks_median times the median
-- realisation of the program's sasaran kelurahan (one office building does not outweigh the
-- kelurahan where the services went)
kelurahan_berbobot as (

    select
        kelurahan_program.*,
        least(
            cast(kelurahan_program.belanja_rp as double),
            aturan.bobot_maks_median
            * median(cast(kelurahan_program.belanja_rp as double)) over (
                partition by
                    kelurahan_program.kode_pemda,
                    kelurahan_program.tahun,
                    kelurahan_program.kode_skpd,
                    kelurahan_program.kode_program,
                    kelurahan_program.milik
            )
        ) as bobot
    from kelurahan_program
    cross join aturan

),

-- per program, over the kelurahan without its money (pembanding): change regressed on the
-- baseline (regression to the mean) and on how many other programs serving the indicator spent
-- there (their average effect), by least squares in closed form
momen as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_program,
        count(*) as jumlah_pembanding,
        avg(perbaikan) as rata_y,
        avg(kondisi_awal) as rata_x1,
        avg(program_lain) as rata_x2,
        coalesce(var_pop(kondisi_awal), 0) as s11,
        coalesce(var_pop(program_lain), 0) as s22,
        coalesce(covar_pop(kondisi_awal, program_lain), 0) as s12,
        coalesce(covar_pop(kondisi_awal, perbaikan), 0) as s1y,
        coalesce(covar_pop(program_lain, perbaikan), 0) as s2y
    from kelurahan_berbobot
    where not milik
    group by kode_pemda, tahun, kode_skpd, kode_program

),

garis as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_program,
        jumlah_pembanding,
        rata_y,
        rata_x1,
        rata_x2,
        case
            when s11 * s22 - s12 * s12 > 1e-9 * s11 * s22
                then (s1y * s22 - s2y * s12) / (s11 * s22 - s12 * s12)
            when s11 > 0 then s1y / s11
            else 0
        end as kemiringan,
        case
            when s11 * s22 - s12 * s12 > 1e-9 * s11 * s22
                then (s2y * s11 - s1y * s12) / (s11 * s22 - s12 * s12)
            else 0
        end as efek_program_lain
    from momen

),

-- pass 0: each program's effect net of the other programs' average effect (the weighted mean
-- residual of its own kelurahan), and its step size in the passes that follow: one over one plus
-- the mean number of other programs in its kelurahan (programs sharing every kelurahan split
-- the improvement instead of swinging between all and nothing)
taksiran_0 as materialized (

    select
        kelurahan_berbobot.kode_pemda,
        kelurahan_berbobot.tahun,
        kelurahan_berbobot.kode_skpd,
        kelurahan_berbobot.kode_program,
        sum(
            kelurahan_berbobot.bobot
            / kelurahan_berbobot.lapisan
            * (
                kelurahan_berbobot.perbaikan
                - garis.rata_y
                - garis.kemiringan * (kelurahan_berbobot.kondisi_awal - garis.rata_x1)
                - garis.efek_program_lain * (kelurahan_berbobot.program_lain - garis.rata_x2)
            )
        )
        / sum(kelurahan_berbobot.bobot) as efek,
        1 / (1 + avg(kelurahan_berbobot.program_lain)) as langkah
    from kelurahan_berbobot
    inner join garis
        on
            kelurahan_berbobot.kode_pemda = garis.kode_pemda
            and kelurahan_berbobot.tahun = garis.tahun
            and kelurahan_berbobot.kode_skpd = garis.kode_skpd
            and kelurahan_berbobot.kode_program = garis.kode_program
    where kelurahan_berbobot.milik
    group by all

),
{#- Passes 1..n: from every kelurahan's change the current effects of the other programs that
    spent there are taken off, the rest is regressed on the baseline over the program's
    pembanding kelurahan, and the program's effect moves by its step towards the weighted mean
    residual of its own kelurahan (a damped Jacobi iteration towards the least-squares split of
    each improvement between the programs that spent there). The last pass is the estimate. #}
{%- set putaran = 6 %}
{%- for i in range(1, putaran + 1) %}

    efek_kelurahan_{{ i }} as (

        select
            paparan.kode_pemda,
            paparan.tahun,
            pohon.kode_indikator,
            paparan.kode_wilayah,
            sum(coalesce(taksiran.efek, 0) * paparan.lapisan) as efek_program
        from paparan
        inner join pohon
            on
                paparan.kode_pemda = pohon.kode_pemda
                and paparan.kode_program = pohon.kode_program
        left join taksiran_{{ i - 1 }} as taksiran
            on
                paparan.kode_pemda = taksiran.kode_pemda
                and paparan.tahun = taksiran.tahun
                and paparan.kode_skpd = taksiran.kode_skpd
                and paparan.kode_program = taksiran.kode_program
        group by all

    ),

    bersih_{{ i }} as (

        select
            kelurahan_berbobot.*,
            kelurahan_berbobot.perbaikan
            - (
                coalesce(efek_kelurahan.efek_program, 0)
                - case
                    when kelurahan_berbobot.milik
                        then coalesce(taksiran.efek, 0) * kelurahan_berbobot.lapisan
                    else 0
                end
            ) as perbaikan_bersih
        from kelurahan_berbobot
        left join efek_kelurahan_{{ i }} as efek_kelurahan
            on
                kelurahan_berbobot.kode_pemda = efek_kelurahan.kode_pemda
                and kelurahan_berbobot.tahun = efek_kelurahan.tahun
                and kelurahan_berbobot.kode_indikator = efek_kelurahan.kode_indikator
                and kelurahan_berbobot.kode_wilayah = efek_kelurahan.kode_wilayah
        left join taksiran_{{ i - 1 }} as taksiran
            on
                kelurahan_berbobot.kode_pemda = taksiran.kode_pemda
                and kelurahan_berbobot.tahun = taksiran.tahun
                and kelurahan_berbobot.kode_skpd = taksiran.kode_skpd
                and kelurahan_berbobot.kode_program = taksiran.kode_program

    ),

    garis_bersih_{{ i }} as (

        select
            kode_pemda,
            tahun,
            kode_skpd,
            kode_program,
            count(*) as jumlah_pembanding,
            -- no slope (not NaN) when every comparison kelurahan starts at the same value
            case
                when var_pop(kondisi_awal) > 0 then regr_slope(perbaikan_bersih, kondisi_awal)
                else 0
            end as kemiringan,
            case
                when var_pop(kondisi_awal) > 0
                    then regr_intercept(perbaikan_bersih, kondisi_awal)
                else avg(perbaikan_bersih)
            end as intersep,
            avg(kondisi_awal) as rata_kondisi_awal,
            coalesce(var_pop(kondisi_awal), 0) * count(*) as sxx
        from bersih_{{ i }}
        where not milik
        group by kode_pemda, tahun, kode_skpd, kode_program

    ),

    sisaan_bersih_{{ i }} as (

        select
            bersih.*,
            garis_bersih.jumlah_pembanding,
            garis_bersih.kemiringan,
            bersih.perbaikan - bersih.perbaikan_bersih
            + garis_bersih.intersep
            + garis_bersih.kemiringan * bersih.kondisi_awal as perbaikan_harapan,
            bersih.perbaikan_bersih
            - (garis_bersih.intersep + garis_bersih.kemiringan * bersih.kondisi_awal) as sisa
        from bersih_{{ i }} as bersih
        inner join garis_bersih_{{ i }} as garis_bersih
            on
                bersih.kode_pemda = garis_bersih.kode_pemda
                and bersih.tahun = garis_bersih.tahun
                and bersih.kode_skpd = garis_bersih.kode_skpd
                and bersih.kode_program = garis_bersih.kode_program

    ),

    taksiran_{{ i }} as materialized (

        select
            sisaan.kode_pemda,
            sisaan.tahun,
            sisaan.kode_skpd,
            sisaan.kode_program,
            (1 - sebelum.langkah) * sebelum.efek
            + sebelum.langkah
            * sum(sisaan.bobot * sisaan.sisa / sisaan.lapisan)
            / sum(sisaan.bobot) as efek,
            sebelum.langkah
        from sisaan_bersih_{{ i }} as sisaan
        inner join taksiran_{{ i - 1 }} as sebelum
            on
                sisaan.kode_pemda = sebelum.kode_pemda
                and sisaan.tahun = sebelum.tahun
                and sisaan.kode_skpd = sebelum.kode_skpd
                and sisaan.kode_program = sebelum.kode_program
        where sisaan.milik
        group by
            sisaan.kode_pemda,
            sisaan.tahun, sisaan.kode_skpd, sisaan.kode_program, sebelum.efek, sebelum.langkah

    ),
{%- endfor %}

garis_bersih as (

    select * from garis_bersih_{{ putaran }}

),

sisaan_bersih as (

    select * from sisaan_bersih_{{ putaran }}

),

sebaran as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_program,
        count(*) as jumlah_pembanding_bersih,
        sqrt(sum(sisa * sisa) / nullif(count(*) - 2, 0)) as simpangan_sisa
    from sisaan_bersih
    where not milik and program_lain = 0
    group by kode_pemda, tahun, kode_skpd, kode_program

),

-- a program-year is judged when its money reached a kelurahan with data this year
putusan as (

    select distinct
        kode_pemda,
        tahun,
        kode_skpd,
        kode_program
    from sisaan_bersih
    where milik

),

-- its evidence: its sasaran kelurahan of this year, of the jendela_tahun_bukti - 1 years before
-- and of the jendela_tahun_bukti_sesudah years after (tahun_data, where they have data), each
-- year's residuals from that year's own comparison
peran as (

    select
        putusan.kode_pemda,
        putusan.tahun,
        sisaan.tahun as tahun_data,
        sisaan.kode_skpd,
        sisaan.kode_program,
        sisaan.kode_wilayah,
        sisaan.perbaikan,
        sisaan.perbaikan_harapan,
        sisaan.kondisi_awal,
        sisaan.sisa,
        sisaan.bobot,
        sisaan.lapisan,
        sisaan.belanja_rp,
        sisaan.tahun_belanja_awal,
        sisaan.tahun_belanja_akhir,
        sisaan.daftar_program,
        case when sisaan.program_lain = 0 then 'sasaran' else 'bersama' end as peran
    from putusan
    cross join aturan
    inner join sisaan_bersih as sisaan
        on
            putusan.kode_pemda = sisaan.kode_pemda
            and putusan.kode_skpd = sisaan.kode_skpd
            and putusan.kode_program = sisaan.kode_program
            and sisaan.tahun between putusan.tahun - aturan.jendela_tahun_bukti + 1
            and putusan.tahun + aturan.jendela_tahun_bukti_sesudah
            and sisaan.milik

),

ringkas as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_program,
        count(distinct kode_wilayah) as n_sasaran,
        count(distinct kode_wilayah) filter (where peran = 'bersama') as n_bersama,
        sum(belanja_rp) as belanja_sasaran_rp,
        sum(belanja_rp) filter (where peran = 'bersama') as belanja_bersama_rp,
        min(tahun_belanja_awal) as tahun_belanja_awal,
        max(tahun_belanja_akhir) as tahun_belanja_akhir,
        sum(bobot * perbaikan) / sum(bobot) as perbaikan_sasaran,
        sum(bobot * perbaikan_harapan) / sum(bobot) as perbaikan_pembanding,
        sum(bobot * sisa / lapisan) / sum(bobot) as selisih,
        list_filter(
            list_sort(
                list_distinct(flatten(list(daftar_program) filter (where peran = 'bersama')))
            ),
            lambda kode: kode <> kode_program
        ) as daftar_bersama
    from peran
    group by kode_pemda, tahun, kode_skpd, kode_program

),

-- the comparison line is itself estimated from a sample: the error of its intercept and slope
-- at the sasaran kelurahan's baselines, per data year, as a variance of the effect estimate
-- (placements on the comparison kelurahan do not carry it: they sit on the line's own data)
bobot_tahun_data as (

    select
        kode_pemda,
        tahun,
        tahun_data,
        kode_skpd,
        kode_program,
        sum(bobot / lapisan) as bobot_dosis,
        sum(bobot / lapisan * kondisi_awal) as bobot_dosis_kondisi_awal,
        sum(sum(bobot))
            over (partition by kode_pemda, tahun, kode_skpd, kode_program)
            as bobot_total
    from peran
    group by kode_pemda, tahun, tahun_data, kode_skpd, kode_program

),

-- the sasaran's weighted baseline, as its distance from the comparison kelurahan's mean
bobot_jarak as (

    select
        bobot_tahun_data.*,
        (
            bobot_tahun_data.bobot_dosis_kondisi_awal
            - bobot_tahun_data.bobot_dosis * garis_bersih.rata_kondisi_awal
        )
        / bobot_tahun_data.bobot_total as jarak_kondisi_awal,
        garis_bersih.jumlah_pembanding,
        garis_bersih.sxx
    from bobot_tahun_data
    inner join garis_bersih
        on
            bobot_tahun_data.kode_pemda = garis_bersih.kode_pemda
            and bobot_tahun_data.tahun_data = garis_bersih.tahun
            and bobot_tahun_data.kode_skpd = garis_bersih.kode_skpd
            and bobot_tahun_data.kode_program = garis_bersih.kode_program

),

galat_garis as (

    select
        bobot_jarak.kode_pemda,
        bobot_jarak.tahun,
        bobot_jarak.kode_skpd,
        bobot_jarak.kode_program,
        sum(
            sebaran.simpangan_sisa * sebaran.simpangan_sisa
            * (
                power(bobot_jarak.bobot_dosis / bobot_jarak.bobot_total, 2)
                / bobot_jarak.jumlah_pembanding
                + case
                    when bobot_jarak.sxx > 0
                        then power(bobot_jarak.jarak_kondisi_awal, 2) / bobot_jarak.sxx
                    else 0
                end
            )
        ) as varians_garis
    from bobot_jarak
    inner join sebaran
        on
            bobot_jarak.kode_pemda = sebaran.kode_pemda
            and bobot_jarak.tahun_data = sebaran.tahun
            and bobot_jarak.kode_skpd = sebaran.kode_skpd
            and bobot_jarak.kode_program = sebaran.kode_program
    group by
        bobot_jarak.kode_pemda, bobot_jarak.tahun, bobot_jarak.kode_skpd, bobot_jarak.kode_program

),

program_indikator as (

    select
        ringkas.*,
        program_terkait.kode_indikator,
        program_terkait.sumber,
        garis_bersih.jumlah_pembanding,
        garis_bersih.kemiringan,
        sebaran.simpangan_sisa,
        coalesce(sebaran.jumlah_pembanding_bersih, 0) as jumlah_pembanding_bersih,
        coalesce(galat_garis.varians_garis, 0) as varians_garis
    from ringkas
    inner join program_terkait
        on
            ringkas.kode_pemda = program_terkait.kode_pemda
            and ringkas.tahun = program_terkait.tahun
            and ringkas.kode_skpd = program_terkait.kode_skpd
            and ringkas.kode_program = program_terkait.kode_program
    left join garis_bersih
        on
            ringkas.kode_pemda = garis_bersih.kode_pemda
            and ringkas.tahun = garis_bersih.tahun
            and ringkas.kode_skpd = garis_bersih.kode_skpd
            and ringkas.kode_program = garis_bersih.kode_program
    left join sebaran
        on
            ringkas.kode_pemda = sebaran.kode_pemda
            and ringkas.tahun = sebaran.tahun
            and ringkas.kode_skpd = sebaran.kode_skpd
            and ringkas.kode_program = sebaran.kode_program
    left join galat_garis
        on
            ringkas.kode_pemda = galat_garis.kode_pemda
            and ringkas.tahun = galat_garis.tahun
            and ringkas.kode_skpd = galat_garis.kode_skpd
            and ringkas.kode_program = galat_garis.kode_program

),

-- the program's sasaran weights of each data year in kelurahan order: slot k of a random
-- placement on that year's pembanding kelurahan gets weight k
bobot_urut as (

    select
        kode_pemda,
        tahun,
        tahun_data,
        kode_skpd,
        kode_program,
        bobot,
        lapisan,
        row_number() over (
            partition by kode_pemda, tahun, tahun_data, kode_skpd, kode_program
            order by kode_wilayah
        ) as slot
    from peran

),

tahun_bukti as (

    select distinct
        kode_pemda,
        tahun,
        tahun_data,
        kode_skpd,
        kode_program
    from peran

),

diacak as (

    select
        program_indikator.kode_pemda,
        program_indikator.tahun,
        program_indikator.kode_skpd,
        program_indikator.kode_program,
        tahun_bukti.tahun_data,
        resampel.resampel,
        sisaan_bersih.sisa,
        row_number() over (
            partition by
                program_indikator.kode_pemda,
                program_indikator.tahun,
                tahun_bukti.tahun_data,
                program_indikator.kode_skpd,
                program_indikator.kode_program,
                resampel.resampel
            order by
                -- one string, then one hash: DuckDB's multi-argument hash combines the
                -- argument hashes so weakly that the orders barely change between resamples
                hash(
                    concat_ws(
                        '|', aturan.benih_resampel, program_indikator.tahun,
                        tahun_bukti.tahun_data, program_indikator.kode_skpd,
                        program_indikator.kode_program, resampel.resampel,
                        sisaan_bersih.kode_wilayah
                    )
                ),
                sisaan_bersih.kode_wilayah
        ) as slot
    from program_indikator
    inner join tahun_bukti
        on
            program_indikator.kode_pemda = tahun_bukti.kode_pemda
            and program_indikator.tahun = tahun_bukti.tahun
            and program_indikator.kode_skpd = tahun_bukti.kode_skpd
            and program_indikator.kode_program = tahun_bukti.kode_program
    cross join aturan
    cross join generate_series(1, aturan.jumlah_resampel) as resampel (resampel)
    inner join sisaan_bersih
        on
            tahun_bukti.kode_pemda = sisaan_bersih.kode_pemda
            and tahun_bukti.tahun_data = sisaan_bersih.tahun
            and program_indikator.kode_skpd = sisaan_bersih.kode_skpd
            and program_indikator.kode_program = sisaan_bersih.kode_program
            and not sisaan_bersih.milik
            and sisaan_bersih.program_lain = 0
    where
        program_indikator.n_sasaran > 0
        and program_indikator.jumlah_pembanding_bersih >= program_indikator.n_sasaran

),

statistik_acak as (

    select
        diacak.kode_pemda,
        diacak.tahun,
        diacak.kode_skpd,
        diacak.kode_program,
        diacak.resampel,
        sum(bobot_urut.bobot * diacak.sisa / bobot_urut.lapisan) / sum(bobot_urut.bobot)
            as statistik
    from diacak
    inner join bobot_urut
        on
            diacak.kode_pemda = bobot_urut.kode_pemda
            and diacak.tahun = bobot_urut.tahun
            and diacak.tahun_data = bobot_urut.tahun_data
            and diacak.kode_skpd = bobot_urut.kode_skpd
            and diacak.kode_program = bobot_urut.kode_program
            and diacak.slot = bobot_urut.slot
    group by diacak.kode_pemda, diacak.tahun, diacak.kode_skpd, diacak.kode_program, diacak.resampel

),

urutan_acak as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_program,
        list_sort(list(statistik)) as urut,
        count(*) as jumlah,
        stddev_samp(statistik) as galat_baku
    from statistik_acak
    group by kode_pemda, tahun, kode_skpd, kode_program

),

-- empirical quantiles (the ceil(p x n)-th of the sorted placements)
rentang as (

    select
        urutan_acak.kode_pemda,
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

{%- set pelebaran -%}
    coalesce(
        sqrt(1 + program_indikator.varians_garis / nullif(rentang.galat_baku * rentang.galat_baku, 0)),
        1
    )
{%- endset %}

dinilai as (

    select
        program_indikator.*,
        -- the placements' quantiles widened by the comparison line's own error
        program_indikator.selisih - rentang.q_atas * {{ pelebaran }} as batas_bawah,
        program_indikator.selisih - rentang.q_bawah * {{ pelebaran }} as batas_atas,
        program_indikator.selisih
        / nullif(sqrt(rentang.galat_baku * rentang.galat_baku + program_indikator.varians_garis), 0)
            as skor,
        aturan.efek_bermakna_sd * program_indikator.simpangan_sisa as efek_bermakna,
        case
            when program_indikator.n_sasaran < aturan.kelurahan_sasaran_min
                then 'kelurahan_sasaran_kurang'
            when program_indikator.belanja_sasaran_rp < aturan.belanja_sasaran_min_rp
                then 'belanja_kurang'
            when
                program_indikator.jumlah_pembanding_bersih
                < greatest(aturan.kelurahan_pembanding_min, program_indikator.n_sasaran)
                then 'pembanding_kurang'
        end as kekurangan_bukti
    from program_indikator
    cross join aturan
    left join rentang
        on
            program_indikator.kode_pemda = rentang.kode_pemda
            and program_indikator.tahun = rentang.tahun
            and program_indikator.kode_skpd = rentang.kode_skpd
            and program_indikator.kode_program = rentang.kode_program

),

final as (

    select
        program_terkait.kode_pemda,
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
        coalesce(dinilai.jumlah_pembanding_bersih, 0) as jumlah_kelurahan_pembanding,
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
            program_terkait.kode_pemda = dinilai.kode_pemda
            and program_terkait.tahun = dinilai.tahun
            and program_terkait.kode_skpd = dinilai.kode_skpd
            and program_terkait.kode_program = dinilai.kode_program
    left join berlokasi
        on
            program_terkait.kode_pemda = berlokasi.kode_pemda
            and program_terkait.tahun = berlokasi.tahun
            and program_terkait.kode_skpd = berlokasi.kode_skpd
            and program_terkait.kode_program = berlokasi.kode_program

)

select * from final
