{#- Where the year will end (issue 14 §3): one row per fiscal year x month the forecast is made
    at (every month with SP2D data that year) x OPD x program.

    The rule, one a finance officer can follow (parameters in reference.ref_aturan_proyeksi):
    1. Profile of earlier complete years, per OPD: after the end of each month, which share of
       the rest of its cash plan the OPD then actually paid by December (laju: 0,85 = 85 %), and
       which share of its final realisation it had paid by that month (porsi). The OPD's own
       profile when it has at least minimal_tahun_profil_opd earlier years, else the city's (all
       OPD-years before), said in the row.
    2. Forecast = realisation to date + the rest of the program's cash plan x the profile's mean
       laju (never above the pagu akhir, unless already paid above it); range = the same with the
       laju at the kuantil_rentang and 1 - kuantil_rentang of the programs' own laju in the
       earlier complete years, city-wide, after the same month (a program strays from its OPD's
       mean far more than OPDs stray from each other: a range from OPD profiles held 55-69 % of
       outcomes where it claims 80 %), always containing the forecast itself.
    3. No earlier year: realisation + the whole rest of the cash plan (range: from what is paid).
    The share profile (porsi) is the context a reader expects ("by June this OPD had paid 38 % of
    its year") and gives the expected December share; benchmarks/inyear_truth.py back-tests both
    rules (dividing realisation by porsi erred about twice as much in the demo).
    Flags: forecast absorption under ambang_serapan_rendah_persen; December share of the year's
    payments (actual in December, else the profile's, else the cash plan's) above
    ambang_porsi_desember_persen, both compared as published (rounded). Realisation is the LRA
    rule (int_sp2d_recognised_as_belanja); pagu akhir and the program of each line come from
    int_anggaran_realisasi_joined; the cash plan is the final phase's, as in
    mart_realisasi_bulanan. -#}
{%- set daftar, n = 'daftar_laju_program', 'jumlah_laju_program' %}
with

parameter as (

    select
        max(nilai) filter (where kode_parameter = 'ambang_serapan_rendah_persen')
            as ambang_serapan_rendah,
        max(nilai) filter (where kode_parameter = 'ambang_porsi_desember_persen')
            as ambang_porsi_desember,
        max(nilai) filter (where kode_parameter = 'minimal_tahun_profil_opd') as minimal_tahun,
        max(nilai) filter (where kode_parameter = 'kuantil_rentang') as kuantil
    from {{ ref('ref_aturan_proyeksi') }}

),

baris as (

    select * from {{ ref('int_anggaran_realisasi_joined') }}

),

program as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_program,
        any_value(nama_skpd) as nama_skpd,
        any_value(nama_program) as nama_program,
        any_value(tahap_akhir) as tahap_akhir,
        sum(pagu_akhir_rp) as pagu_akhir_rp
    from baris
    where kode_program is not null
    group by kode_pemda, tahun, kode_skpd, kode_program

),

sub_ke_program as (

    select distinct
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_program
    from baris
    where kode_program is not null

),

realisasi_bulan as (

    select
        belanja.kode_pemda,
        belanja.tahun,
        belanja.kode_skpd,
        sub_ke_program.kode_program,
        belanja.bulan,
        sum(belanja.nilai_rp) as realisasi_rp
    from {{ ref('int_sp2d_recognised_as_belanja') }} as belanja
    inner join sub_ke_program
        on
            belanja.kode_pemda = sub_ke_program.kode_pemda
            and belanja.tahun = sub_ke_program.tahun
            and belanja.kode_skpd = sub_ke_program.kode_skpd
            and belanja.kode_sub_kegiatan = sub_ke_program.kode_sub_kegiatan
    group by
        belanja.kode_pemda,
        belanja.tahun,
        belanja.kode_skpd,
        sub_ke_program.kode_program,
        belanja.bulan

),

kas_bulan as (

    select
        kas.kode_pemda,
        kas.tahun,
        kas.kode_skpd,
        sub_ke_program.kode_program,
        kas.bulan,
        sum(kas.rencana_rp) as rencana_kas_rp
    from {{ ref('fct_anggaran_kas') }} as kas
    inner join program
        on
            kas.kode_pemda = program.kode_pemda
            and kas.tahun = program.tahun
            and kas.kode_skpd = program.kode_skpd
            and kas.tahap = program.tahap_akhir
    inner join sub_ke_program
        on
            kas.kode_pemda = sub_ke_program.kode_pemda
            and kas.tahun = sub_ke_program.tahun
            and kas.kode_skpd = sub_ke_program.kode_skpd
            and kas.kode_sub_kegiatan = sub_ke_program.kode_sub_kegiatan
            and program.kode_program = sub_ke_program.kode_program
    group by kas.kode_pemda, kas.tahun, kas.kode_skpd, sub_ke_program.kode_program, kas.bulan

),

-- the months with data: up to the latest SP2D month of the year (city-wide)
bulan_data as (

    select
        kode_pemda,
        tahun,
        max(bulan) as bulan_terakhir
    from {{ ref('int_sp2d_recognised_as_belanja') }}
    group by kode_pemda, tahun

),

kalender as (

    select
        bulan_data.kode_pemda,
        bulan_data.tahun,
        bulan_data.bulan_terakhir,
        daftar.bulan
    from bulan_data
    cross join (
        values (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12)
    ) as daftar (bulan)

),

program_bulan as (

    select
        program.kode_pemda,
        program.tahun,
        kalender.bulan,
        kalender.bulan_terakhir,
        program.kode_skpd,
        program.nama_skpd,
        program.kode_program,
        program.nama_program,
        program.pagu_akhir_rp,
        coalesce(realisasi_bulan.realisasi_rp, 0) as realisasi_rp,
        coalesce(kas_bulan.rencana_kas_rp, 0) as rencana_kas_rp
    from program
    inner join kalender
        on
            program.kode_pemda = kalender.kode_pemda
            and program.tahun = kalender.tahun
    left join realisasi_bulan
        on
            program.kode_pemda = realisasi_bulan.kode_pemda
            and program.tahun = realisasi_bulan.tahun
            and program.kode_skpd = realisasi_bulan.kode_skpd
            and program.kode_program = realisasi_bulan.kode_program
            and kalender.bulan = realisasi_bulan.bulan
    left join kas_bulan
        on
            program.kode_pemda = kas_bulan.kode_pemda
            and program.tahun = kas_bulan.tahun
            and program.kode_skpd = kas_bulan.kode_skpd
            and program.kode_program = kas_bulan.kode_program
            and kalender.bulan = kas_bulan.bulan

),

kumulatif as (

    select
        *,
        sum(realisasi_rp) over program_tahun as realisasi_kumulatif_rp,
        sum(rencana_kas_rp) over program_tahun as rencana_kas_kumulatif_rp,
        sum(rencana_kas_rp) over (
            partition by kode_pemda, tahun, kode_skpd, kode_program
        ) as rencana_kas_setahun_rp
    from program_bulan
    window program_tahun as (
        partition by kode_pemda, tahun, kode_skpd, kode_program
        order by bulan
        rows between unbounded preceding and current row
    )

),

-- profiles per OPD and complete year: after each month, the share of the rest of the cash plan
-- paid by December (laju) and the share of the final realisation paid by then (porsi)
opd_bulan as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        bulan,
        sum(realisasi_kumulatif_rp) as realisasi_kumulatif_rp,
        sum(rencana_kas_setahun_rp - rencana_kas_kumulatif_rp) as sisa_rencana_kas_rp
    from kumulatif
    where bulan_terakhir = 12
    group by kode_pemda, tahun, kode_skpd, bulan

),

profil_tahun as (

    select
        opd_bulan.kode_pemda,
        opd_bulan.tahun,
        opd_bulan.kode_skpd,
        opd_bulan.bulan,
        cast(
            opd_bulan.realisasi_kumulatif_rp / nullif(akhir.realisasi_kumulatif_rp, 0) as double
        ) as porsi,
        cast(
            (akhir.realisasi_kumulatif_rp - opd_bulan.realisasi_kumulatif_rp)
            / nullif(opd_bulan.sisa_rencana_kas_rp, 0) as double
        ) as laju
    from opd_bulan
    inner join opd_bulan as akhir
        on
            opd_bulan.kode_pemda = akhir.kode_pemda
            and opd_bulan.tahun = akhir.tahun
            and opd_bulan.kode_skpd = akhir.kode_skpd
            and akhir.bulan = 12
    where akhir.realisasi_kumulatif_rp > 0

),

tahun_ramalan as (

    select distinct
        kode_pemda,
        tahun,
        kode_skpd
    from kumulatif

),

-- The profiles average ratios summed as DECIMAL: a sum of doubles depends on the order the
-- threads add them in, and a projection must not move by a sen between two builds of one data.
profil_opd as (

    select
        tahun_ramalan.kode_pemda,
        tahun_ramalan.tahun,
        tahun_ramalan.kode_skpd,
        profil_tahun.bulan,
        count(*) as jumlah_tahun,
        avg(cast(profil_tahun.porsi as decimal(38, 18))) as porsi,
        count(profil_tahun.laju) as jumlah_laju,
        avg(cast(profil_tahun.laju as decimal(38, 18))) as laju
    from tahun_ramalan
    inner join profil_tahun
        on
            tahun_ramalan.kode_pemda = profil_tahun.kode_pemda
            and tahun_ramalan.kode_skpd = profil_tahun.kode_skpd
            and tahun_ramalan.tahun > profil_tahun.tahun
    group by
        tahun_ramalan.kode_pemda, tahun_ramalan.tahun, tahun_ramalan.kode_skpd, profil_tahun.bulan

),

tahun_kota as (

    select distinct
        kode_pemda,
        tahun
    from kumulatif

),

profil_kota as (

    select
        tahun_kota.kode_pemda,
        tahun_kota.tahun,
        profil_tahun.bulan,
        count(*) as jumlah_tahun,
        avg(cast(profil_tahun.porsi as decimal(38, 18))) as porsi,
        count(profil_tahun.laju) as jumlah_laju,
        avg(cast(profil_tahun.laju as decimal(38, 18))) as laju
    from tahun_kota
    inner join profil_tahun
        on
            tahun_kota.kode_pemda = profil_tahun.kode_pemda
            and tahun_kota.tahun > profil_tahun.tahun
    group by tahun_kota.kode_pemda, tahun_kota.tahun, profil_tahun.bulan

),

-- the programs' own laju in each complete year after each month (the spread of the range)
laju_program as (

    select
        kumulatif.kode_pemda,
        kumulatif.tahun,
        kumulatif.bulan,
        cast(
            (akhir.realisasi_kumulatif_rp - kumulatif.realisasi_kumulatif_rp)
            / nullif(kumulatif.rencana_kas_setahun_rp - kumulatif.rencana_kas_kumulatif_rp, 0)
            as double
        ) as laju
    from kumulatif
    inner join kumulatif as akhir
        on
            kumulatif.kode_pemda = akhir.kode_pemda
            and kumulatif.tahun = akhir.tahun
            and kumulatif.kode_skpd = akhir.kode_skpd
            and kumulatif.kode_program = akhir.kode_program
            and akhir.bulan = 12
    where kumulatif.bulan_terakhir = 12 and akhir.realisasi_kumulatif_rp > 0

),

sebaran_program as (

    select
        tahun_kota.kode_pemda,
        tahun_kota.tahun,
        laju_program.bulan,
        count(laju_program.laju) as jumlah_laju,
        list(laju_program.laju order by laju_program.laju)
        filter (where laju_program.laju is not null) as daftar_laju
    from tahun_kota
    inner join laju_program
        on
            tahun_kota.kode_pemda = laju_program.kode_pemda
            and tahun_kota.tahun > laju_program.tahun
    group by tahun_kota.kode_pemda, tahun_kota.tahun, laju_program.bulan

),

dengan_profil as (

    select
        kumulatif.*,
        parameter.ambang_serapan_rendah,
        parameter.ambang_porsi_desember,
        greatest(kumulatif.rencana_kas_setahun_rp - kumulatif.rencana_kas_kumulatif_rp, 0)
            as sisa_rencana_kas_rp,
        greatest(kumulatif.pagu_akhir_rp, kumulatif.realisasi_kumulatif_rp) as batas_atas_rp,
        coalesce(profil_opd.jumlah_tahun, 0) as jumlah_tahun_opd,
        profil_opd.jumlah_laju >= parameter.minimal_tahun as is_profil_opd,
        case
            when profil_opd.jumlah_laju >= parameter.minimal_tahun then profil_opd.laju
            else profil_kota.laju
        end as laju,
        parameter.kuantil,
        sebaran_program.daftar_laju as daftar_laju_program,
        sebaran_program.jumlah_laju as jumlah_laju_program,
        case
            when profil_opd.jumlah_laju >= parameter.minimal_tahun then profil_opd.jumlah_laju
            else profil_kota.jumlah_laju
        end as jumlah_profil,
        case
            when profil_opd.jumlah_laju >= parameter.minimal_tahun then profil_opd.porsi
            else profil_kota.porsi
        end as porsi,
        case
            when profil_opd.jumlah_laju >= parameter.minimal_tahun then 1 - nov_opd.porsi
            else 1 - nov_kota.porsi
        end as porsi_desember_profil
    from kumulatif
    cross join parameter
    left join profil_opd
        on
            kumulatif.kode_pemda = profil_opd.kode_pemda
            and kumulatif.tahun = profil_opd.tahun
            and kumulatif.kode_skpd = profil_opd.kode_skpd
            and kumulatif.bulan = profil_opd.bulan
    left join profil_kota
        on
            kumulatif.kode_pemda = profil_kota.kode_pemda
            and kumulatif.tahun = profil_kota.tahun
            and kumulatif.bulan = profil_kota.bulan
    left join sebaran_program
        on
            kumulatif.kode_pemda = sebaran_program.kode_pemda
            and kumulatif.tahun = sebaran_program.tahun
            and kumulatif.bulan = sebaran_program.bulan
    left join profil_opd as nov_opd
        on
            kumulatif.kode_pemda = nov_opd.kode_pemda
            and kumulatif.tahun = nov_opd.tahun
            and kumulatif.kode_skpd = nov_opd.kode_skpd
            and nov_opd.bulan = 11
    left join profil_kota as nov_kota
        on
            kumulatif.kode_pemda = nov_kota.kode_pemda
            and kumulatif.tahun = nov_kota.tahun
            and nov_kota.bulan = 11
    where kumulatif.bulan <= kumulatif.bulan_terakhir

),

metode as (

    select
        *,
        case
            when bulan = 12 then 'realisasi_akhir'
            when laju is not null and is_profil_opd then 'profil_opd'
            when laju is not null then 'profil_kota'
            else 'rencana_kas'
        end as metode_proyeksi,
        least({{ kuantil_daftar(daftar, n, 'kuantil') }}, laju) as laju_bawah,
        greatest({{ kuantil_daftar(daftar, n, '1 - kuantil') }}, laju) as laju_atas,
        sum(rencana_kas_rp) filter (where bulan = 12) over (
            partition by kode_pemda, tahun, kode_skpd, kode_program
        ) as desember_kas_rp
    from dengan_profil

),

proyeksi as (

    select
        *,
        case
            when metode_proyeksi = 'realisasi_akhir' then realisasi_kumulatif_rp
            when metode_proyeksi = 'rencana_kas'
                then least(realisasi_kumulatif_rp + sisa_rencana_kas_rp, batas_atas_rp)
            else least(
                    realisasi_kumulatif_rp + sisa_rencana_kas_rp * greatest(laju, 0), batas_atas_rp
                )
        end as proyeksi_rp,
        case
            when metode_proyeksi in ('realisasi_akhir', 'rencana_kas') then realisasi_kumulatif_rp
            else least(
                    realisasi_kumulatif_rp + sisa_rencana_kas_rp * greatest(laju_bawah, 0),
                    batas_atas_rp
                )
        end as proyeksi_bawah_rp,
        case
            when metode_proyeksi = 'realisasi_akhir' then realisasi_kumulatif_rp
            when metode_proyeksi = 'rencana_kas'
                then least(realisasi_kumulatif_rp + sisa_rencana_kas_rp, batas_atas_rp)
            else least(
                    realisasi_kumulatif_rp + sisa_rencana_kas_rp * greatest(laju_atas, 0),
                    batas_atas_rp
                )
        end as proyeksi_atas_rp,
        case
            when bulan = 12 then 100 * realisasi_rp / nullif(realisasi_kumulatif_rp, 0)
            when porsi_desember_profil is not null then 100 * porsi_desember_profil
            else 100 * desember_kas_rp / nullif(rencana_kas_setahun_rp, 0)
        end as porsi_desember_persen
    from metode

),

-- the flags compare the figures as published (rounded to 0.01), so a reader sees the rule hold
dibulatkan as (

    select
        *,
        {{ persen_half_up('proyeksi_rp', 'pagu_akhir_rp') }} as proyeksi_persen,
        cast(round(porsi_desember_persen, 2) as decimal(9, 2)) as porsi_desember_bulat
    from proyeksi

),

final as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(tahun as integer) as tahun,
        cast(bulan as integer) as bulan_proyeksi,
        cast(kode_skpd as varchar) as kode_skpd,
        cast(nama_skpd as varchar) as nama_skpd,
        cast(kode_program as varchar) as kode_program,
        cast(nama_program as varchar) as nama_program,
        cast(pagu_akhir_rp as decimal(18, 2)) as pagu_akhir_rp,
        cast(realisasi_kumulatif_rp as decimal(18, 2)) as realisasi_kumulatif_rp,
        cast(rencana_kas_kumulatif_rp as decimal(18, 2)) as rencana_kas_kumulatif_rp,
        cast(sisa_rencana_kas_rp as decimal(18, 2)) as sisa_rencana_kas_rp,
        {{ persen_half_up('realisasi_kumulatif_rp', 'pagu_akhir_rp') }} as serapan_kumulatif_persen,
        {{ persen_half_up('rencana_kas_kumulatif_rp', 'pagu_akhir_rp') }}
            as rencana_kas_kumulatif_persen,
        cast(metode_proyeksi as varchar) as metode_proyeksi,
        cast(case when metode_proyeksi like 'profil_%' then jumlah_profil end as integer)
            as jumlah_profil,
        cast(jumlah_tahun_opd as integer) as jumlah_tahun_opd,
        cast(
            round(case when metode_proyeksi like 'profil_%' then 100 * laju end, 2) as decimal(9, 2)
        ) as laju_rencana_kas_persen,
        cast(
            round(case when metode_proyeksi like 'profil_%' then 100 * porsi end, 2) as decimal(
                9, 2
            )
        ) as porsi_profil_persen,
        cast(round(proyeksi_rp, 2) as decimal(18, 2)) as proyeksi_realisasi_rp,
        proyeksi_persen as proyeksi_serapan_persen,
        {{ persen_half_up('proyeksi_bawah_rp', 'pagu_akhir_rp') }} as proyeksi_serapan_bawah_persen,
        {{ persen_half_up('proyeksi_atas_rp', 'pagu_akhir_rp') }} as proyeksi_serapan_atas_persen,
        porsi_desember_bulat as porsi_desember_persen,
        coalesce(proyeksi_persen < ambang_serapan_rendah, false) as is_di_bawah_ambang,
        coalesce(porsi_desember_bulat > ambang_porsi_desember, false) as is_menumpuk_desember,
        cast(ambang_serapan_rendah as decimal(9, 2)) as ambang_serapan_rendah_persen,
        cast(ambang_porsi_desember as decimal(9, 2)) as ambang_porsi_desember_persen,
        cast(
            'realisasi s.d. ' || {{ nama_bulan('bulan') }} || ' '
            || coalesce(
                {{ angka_id('100 * realisasi_kumulatif_rp / nullif(pagu_akhir_rp, 0)') }} || ' %',
                'tanpa pagu'
            )
            || case
                when metode_proyeksi = 'realisasi_akhir' then ' (realisasi akhir tahun)'
                when metode_proyeksi = 'rencana_kas'
                    then '; belum ada tahun sebelumnya, jadi proyeksi = realisasi + seluruh sisa '
                        || 'rencana kas ' || {{ rupiah_teks('sisa_rencana_kas_rp') }}
                else '; pada tahun-tahun sebelumnya '
                    || case
                        when metode_proyeksi = 'profil_opd' then 'OPD ini '
                        else 'OPD-OPD ' || {{ jenis_pemda('kode_pemda') }} || ' (profil '
                            || {{ jenis_pemda('kode_pemda') }} || '; OPD ini baru punya '
                            || cast(jumlah_tahun_opd as varchar) || ' tahun data) '
                    end
                    || 'pada ' || {{ nama_bulan('bulan') }} || ' rata-rata sudah membayar '
                    || {{ angka_id('100 * porsi') }} || ' % dari realisasi akhir tahunnya dan '
                    || 'sesudahnya merealisasikan ' || {{ angka_id('100 * laju') }}
                    || ' % dari sisa rencana kasnya (' || cast(jumlah_profil as varchar)
                    || case when metode_proyeksi = 'profil_opd' then ' tahun' else ' OPD-tahun' end
                    || '); sisa rencana kas program ini '
                    || {{ rupiah_teks('sisa_rencana_kas_rp') }}
            end
            || case
                when metode_proyeksi = 'realisasi_akhir' then ''
                else ' → proyeksi akhir tahun '
                    || coalesce({{ angka_id('proyeksi_persen') }} || ' %', '-')
                    || ', rentang '
                    || coalesce(
                        {{ angka_id('100 * proyeksi_bawah_rp / nullif(pagu_akhir_rp, 0)') }}, '-'
                    )
                    || '–'
                    || coalesce(
                        {{ angka_id('100 * proyeksi_atas_rp / nullif(pagu_akhir_rp, 0)') }}, '-'
                    )
                    || ' %'
                    || case
                        when metode_proyeksi like 'profil_%' and jumlah_laju_program > 0
                            then ' (laju program-program ' || {{ jenis_pemda('kode_pemda') }}
                                || ' sesudah ' || {{ nama_bulan('bulan') }}
                                || ' pada persentil ' || {{ angka_id('100 * kuantil') }} || '–'
                                || {{ angka_id('100 - 100 * kuantil') }} || ', '
                                || cast(jumlah_laju_program as varchar) || ' program-tahun)'
                        else ''
                    end
            end
            || case
                when proyeksi_persen < ambang_serapan_rendah
                    then '. Di bawah ambang ' || {{ angka_id('ambang_serapan_rendah') }} || ' %'
                else ''
            end
            || case
                when porsi_desember_bulat > ambang_porsi_desember
                    then '. Porsi Desember ' || {{ angka_id('porsi_desember_bulat') }}
                        || ' % dari pembayaran setahun (ambang '
                        || {{ angka_id('ambang_porsi_desember') }} || ' %): penumpukan akhir tahun'
                else ''
            end
            || '.' as varchar
        ) as alasan
    from dibulatkan

)

select * from final
