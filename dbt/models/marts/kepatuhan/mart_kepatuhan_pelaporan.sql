{#- One row per submission the reporting calendar (ref_jadwal_pelaporan) expects, per year ×
    source × period × sender, up to the reference date (var('tanggal_acuan'), else the environment's
    APBD_TANGGAL_ACUAN, which the pipeline sets; default today): due date, first accepted version,
    status, days late and version history. Same rules as dagster_project/lib/jadwal.py, which
    Dagster's `submitted_on_time` checks use. An env_var, not --vars, so a new day re-parses this
    model only, not the whole project. -#}
{%- set acuan = var('tanggal_acuan') or env_var('APBD_TANGGAL_ACUAN', '') -%}
{%- set offset_jam = var('jadwal_utc_offset_jam') -%}
{#- DuckDB date arithmetic (date + integer days, date_diff); on Spark use date_add/datediff. -#}
with

jadwal as (

    select
        cast(sistem as varchar) as sistem,
        cast(tabel as varchar) as tabel,
        cast(pengirim as varchar) as pengirim,
        cast(laporan as varchar) as laporan,
        cast(siklus as varchar) as siklus,
        cast(periode as varchar) as periode,
        cast(bulan_akhir as integer) as bulan_akhir,
        cast(hari_tenggat as integer) as hari_tenggat,
        cast(tahun_mulai as integer) as tahun_mulai
    from {{ ref('ref_jadwal_pelaporan') }}
    where {{ sumber_terdaftar('sistem', 'tabel') }}

),

acuan as (

    select
        {% if acuan -%}
            cast('{{ acuan }}' as date)
        {%- else -%}
            current_date
        {%- endif %} as tanggal_acuan

),

periode_siklus as (

    select
        daftar.siklus,
        daftar.periode,
        daftar.bulan_akhir
    from (
        values
        ('bulanan', '01', 1),
        ('bulanan', '02', 2),
        ('bulanan', '03', 3),
        ('bulanan', '04', 4),
        ('bulanan', '05', 5),
        ('bulanan', '06', 6),
        ('bulanan', '07', 7),
        ('bulanan', '08', 8),
        ('bulanan', '09', 9),
        ('bulanan', '10', 10),
        ('bulanan', '11', 11),
        ('bulanan', '12', 12),
        ('triwulanan', 'tw1', 3),
        ('triwulanan', 'tw2', 6),
        ('triwulanan', 'tw3', 9),
        ('triwulanan', 'tw4', 12)
    ) as daftar (siklus, periode, bulan_akhir)

),

angka as (

    select digit.n
    from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as digit (n)

),

tahun_ke as (

    select satuan.n + 10 * puluhan.n as n
    from angka as satuan
    cross join angka as puluhan

),

-- every pemda with an OPD list (the seed's Samarinda, referensi__opd for the others) or a file
pemda as (

    select kode_pemda
    from {{ ref('int_opd_resolved') }}
    where ada_di_referensi
    union
    select kode_pemda
    from {{ ref('stg_meta__ingest_log') }}

),

periode_diharapkan as (

    select
        pemda.kode_pemda,
        jadwal.sistem,
        jadwal.tabel,
        jadwal.pengirim,
        jadwal.laporan,
        jadwal.siklus,
        jadwal.hari_tenggat,
        jadwal.tahun_mulai + tahun_ke.n as tahun,
        coalesce(periode_siklus.periode, jadwal.periode) as periode,
        coalesce(periode_siklus.bulan_akhir, jadwal.bulan_akhir) as bulan_akhir
    from jadwal
    cross join pemda
    cross join tahun_ke
    cross join acuan
    left join periode_siklus
        on jadwal.siklus = periode_siklus.siklus
    where jadwal.tahun_mulai + tahun_ke.n <= extract(year from acuan.tanggal_acuan)

),

opd as (

    select
        kode_pemda,
        kode_skpd,
        nama_skpd,
        tahun_mulai,
        tahun_selesai
    from {{ ref('int_opd_resolved') }}
    where ada_di_referensi

),

pengirim_diharapkan as (

    select
        periode_diharapkan.kode_pemda,
        periode_diharapkan.tahun,
        periode_diharapkan.sistem,
        periode_diharapkan.tabel,
        periode_diharapkan.periode,
        opd.kode_skpd as pengirim,
        periode_diharapkan.laporan,
        periode_diharapkan.siklus,
        opd.nama_skpd as nama_pengirim,
        periode_diharapkan.bulan_akhir,
        periode_diharapkan.hari_tenggat
    from periode_diharapkan
    inner join opd
        on
            periode_diharapkan.kode_pemda = opd.kode_pemda
            and {{ berlaku_pada('periode_diharapkan.tahun', 'opd') }}
    where periode_diharapkan.pengirim = 'opd'

    union all

    select
        kode_pemda,
        tahun,
        sistem,
        tabel,
        periode,
        pengirim,
        laporan,
        siklus,
        upper(pengirim) as nama_pengirim,
        bulan_akhir,
        hari_tenggat
    from periode_diharapkan
    where pengirim != 'opd'

),

diharapkan as (

    select
        kode_pemda,
        tahun,
        sistem,
        tabel,
        periode,
        pengirim,
        laporan,
        siklus,
        nama_pengirim,
        last_day(
            cast(
                cast(tahun as varchar) || '-' || lpad(cast(bulan_akhir as varchar), 2, '0')
                || '-01' as date
            )
        ) + hari_tenggat as tanggal_jatuh_tempo
    from pengirim_diharapkan

),

siklus_sumber as (

    select distinct
        sistem,
        tabel,
        siklus
    from jadwal

),

ingest_log as (

    select
        kode_pemda,
        tahun,
        sistem,
        tabel,
        pengirim,
        periode,
        status,
        diterima_pada,
        cast(nullif(regexp_extract(periode, '([0-9]+)[^0-9]*$', 1), '') as integer)
            as nomor_periode
    from {{ ref('stg_meta__ingest_log') }}

),

kiriman as (

    select
        ingest_log.kode_pemda,
        ingest_log.tahun,
        ingest_log.sistem,
        ingest_log.tabel,
        ingest_log.pengirim,
        ingest_log.status,
        ingest_log.diterima_pada,
        case siklus_sumber.siklus
            when 'bulanan' then lpad(cast(ingest_log.nomor_periode as varchar), 2, '0')
            when 'triwulanan' then 'tw' || cast(ingest_log.nomor_periode as varchar)
            else ingest_log.periode
        end as periode,
        cast(ingest_log.diterima_pada + interval '{{ offset_jam }}' hour as date)
            as tanggal_terima
    from ingest_log
    inner join siklus_sumber
        on
            ingest_log.sistem = siklus_sumber.sistem
            and ingest_log.tabel = siklus_sumber.tabel

),

kiriman_per_periode as (

    select
        kiriman.kode_pemda,
        kiriman.tahun,
        kiriman.sistem,
        kiriman.tabel,
        kiriman.periode,
        kiriman.pengirim,
        cast(count(*) as integer) as jumlah_versi,
        cast(sum(case when kiriman.status = 'ditolak' then 1 else 0 end) as integer)
            as jumlah_ditolak,
        min(case when kiriman.status = 'dimuat' then kiriman.diterima_pada end)
            as diterima_pertama_pada,
        max(kiriman.diterima_pada) as diterima_terakhir_pada
    from kiriman
    cross join acuan
    where kiriman.tanggal_terima <= acuan.tanggal_acuan
    group by
        kiriman.kode_pemda,
        kiriman.tahun,
        kiriman.sistem,
        kiriman.tabel,
        kiriman.periode,
        kiriman.pengirim

),

digabung as (

    select
        diharapkan.kode_pemda,
        diharapkan.tahun,
        diharapkan.sistem,
        diharapkan.tabel,
        diharapkan.periode,
        diharapkan.pengirim,
        diharapkan.laporan,
        diharapkan.siklus,
        diharapkan.nama_pengirim,
        diharapkan.tanggal_jatuh_tempo,
        acuan.tanggal_acuan,
        kiriman_per_periode.diterima_pertama_pada,
        kiriman_per_periode.diterima_terakhir_pada,
        coalesce(kiriman_per_periode.jumlah_versi, 0) as jumlah_versi,
        coalesce(kiriman_per_periode.jumlah_ditolak, 0) as jumlah_ditolak,
        cast(
            kiriman_per_periode.diterima_pertama_pada + interval '{{ offset_jam }}' hour as date
        ) as tanggal_diterima
    from diharapkan
    cross join acuan
    left join kiriman_per_periode
        on
            diharapkan.kode_pemda = kiriman_per_periode.kode_pemda
            and diharapkan.tahun = kiriman_per_periode.tahun
            and diharapkan.sistem = kiriman_per_periode.sistem
            and diharapkan.tabel = kiriman_per_periode.tabel
            and diharapkan.periode = kiriman_per_periode.periode
            and diharapkan.pengirim = kiriman_per_periode.pengirim

),

dinilai as (

    select
        *,
        case
            when tanggal_diterima <= tanggal_jatuh_tempo then 'tepat_waktu'
            when tanggal_diterima is not null then 'terlambat'
            when tanggal_jatuh_tempo < tanggal_acuan then 'belum_dikirim'
            else 'belum_jatuh_tempo'
        end as status,
        cast(greatest(
            case
                when tanggal_diterima is not null
                    then date_diff('day', tanggal_jatuh_tempo, tanggal_diterima)
                else date_diff('day', tanggal_jatuh_tempo, tanggal_acuan)
            end,
            0
        ) as integer) as hari_terlambat
    from digabung

),

final as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(tahun as integer) as tahun,
        sistem,
        tabel,
        periode,
        pengirim,
        laporan,
        siklus,
        nama_pengirim,
        status,
        status in ('terlambat', 'belum_dikirim') as is_terlambat,
        tanggal_jatuh_tempo,
        tanggal_diterima,
        tanggal_acuan,
        hari_terlambat,
        jumlah_versi,
        jumlah_ditolak,
        cast(diterima_pertama_pada as timestamp) as diterima_pertama_pada,
        cast(diterima_terakhir_pada as timestamp) as diterima_terakhir_pada
    from dinilai

)

select * from final
