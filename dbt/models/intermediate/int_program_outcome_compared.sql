{#- One row per fiscal year x OPD x program that serves a kelurahan-level outcome indicator
    (ref_pohon_kinerja, ref_indikator.sumber_acuan_kelurahan): did the indicator improve more in
    the kelurahan where the program spent money that year than in the other kelurahan?

    perbaikan is the year-on-year change of the indicator in each kelurahan, signed so that
    positive is better (fct_outcome_wilayah). Sasaran = kelurahan with located SP2D realisation of
    the program that year; pembanding = kelurahan with data where no program serving the same
    indicator spent that year (an area another program worked in is not a fair comparison). selisih_perbaikan =
    mean(perbaikan | sasaran) - median(perbaikan | pembanding), and skor_dampak divides it by the
    normal spread between kelurahan: 1.4826 x MAD(pembanding) x sqrt(1/n_sasaran + 1/n_pembanding).
    Median and MAD keep other programs' effects in the comparison group from hiding this one's.
    Statistics are computed in DOUBLE (they are not money) and stored as DECIMAL. -#}
with

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

sasaran as (

    select
        tahun,
        kode_skpd,
        kode_program,
        kode_wilayah
    from {{ ref('fct_belanja_wilayah') }}
    where berlokasi
    group by tahun, kode_skpd, kode_program, kode_wilayah
    having sum(realisasi_rp) > 0

),

-- kelurahan where any program serving the indicator spent that year: not a fair comparison
disentuh as (

    select distinct
        sasaran.tahun,
        pohon.kode_indikator,
        sasaran.kode_wilayah
    from sasaran
    inner join pohon
        on sasaran.kode_program = pohon.kode_program

),

perbaikan as (

    select
        tahun,
        kode_wilayah,
        kode_indikator,
        sumber,
        cast(perbaikan as double) as perbaikan
    from {{ ref('fct_outcome_wilayah') }}
    where tingkat_wilayah = 'kelurahan' and perbaikan is not null

),

dibandingkan as (

    select
        program_terkait.tahun,
        program_terkait.kode_skpd,
        program_terkait.kode_program,
        perbaikan.perbaikan,
        sasaran.kode_wilayah is not null as sasaran,
        disentuh.kode_wilayah is not null as disentuh
    from program_terkait
    inner join perbaikan
        on
            program_terkait.tahun = perbaikan.tahun
            and program_terkait.kode_indikator = perbaikan.kode_indikator
            and program_terkait.sumber = perbaikan.sumber
    left join sasaran
        on
            program_terkait.tahun = sasaran.tahun
            and program_terkait.kode_skpd = sasaran.kode_skpd
            and program_terkait.kode_program = sasaran.kode_program
            and perbaikan.kode_wilayah = sasaran.kode_wilayah
    left join disentuh
        on
            program_terkait.tahun = disentuh.tahun
            and program_terkait.kode_indikator = disentuh.kode_indikator
            and perbaikan.kode_wilayah = disentuh.kode_wilayah
    where sasaran.kode_wilayah is not null or disentuh.kode_wilayah is null

),

ringkas as (

    select
        tahun,
        kode_skpd,
        kode_program,
        count(*) filter (where sasaran) as n_sasaran,
        count(*) filter (where not sasaran) as n_pembanding,
        avg(perbaikan) filter (where sasaran) as perbaikan_sasaran,
        median(perbaikan) filter (where not sasaran) as perbaikan_pembanding,
        mad(perbaikan) filter (where not sasaran) as mad_pembanding
    from dibandingkan
    group by tahun, kode_skpd, kode_program

),

berlokasi as (

    select
        tahun,
        kode_skpd,
        kode_program,
        count(*) as jumlah_kelurahan_berlokasi
    from sasaran
    group by tahun, kode_skpd, kode_program

),

final as (

    select
        program_terkait.tahun,
        program_terkait.kode_skpd,
        program_terkait.kode_program,
        program_terkait.kode_indikator,
        program_terkait.sumber,
        coalesce(berlokasi.jumlah_kelurahan_berlokasi, 0) as jumlah_kelurahan_berlokasi,
        coalesce(ringkas.n_sasaran, 0) as jumlah_kelurahan_sasaran,
        coalesce(ringkas.n_pembanding, 0) as jumlah_kelurahan_pembanding,
        cast(ringkas.perbaikan_sasaran as decimal(18, 4)) as perbaikan_sasaran,
        cast(ringkas.perbaikan_pembanding as decimal(18, 4)) as perbaikan_pembanding,
        cast(ringkas.perbaikan_sasaran - ringkas.perbaikan_pembanding as decimal(18, 4))
            as selisih_perbaikan,
        cast(
            case
                when
                    ringkas.n_sasaran >= 1
                    and ringkas.n_pembanding >= {{ ambang('kelurahan_pembanding_minimum') }}
                    and ringkas.mad_pembanding > 0
                    then (ringkas.perbaikan_sasaran - ringkas.perbaikan_pembanding)
                        / (
                            1.4826 * ringkas.mad_pembanding
                            * sqrt(1.0 / ringkas.n_sasaran + 1.0 / ringkas.n_pembanding)
                        )
            end as decimal(12, 2)
        ) as skor_dampak
    from program_terkait
    left join ringkas
        on
            program_terkait.tahun = ringkas.tahun
            and program_terkait.kode_skpd = ringkas.kode_skpd
            and program_terkait.kode_program = ringkas.kode_program
    left join berlokasi
        on
            program_terkait.tahun = berlokasi.tahun
            and program_terkait.kode_skpd = berlokasi.kode_skpd
            and program_terkait.kode_program = berlokasi.kode_program

)

select * from final
