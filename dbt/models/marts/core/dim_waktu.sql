{#- One row per calendar date of every fiscal year present in the data (the Indonesian fiscal year
    is the calendar year), with month names in Indonesian, quarter (triwulan) and half (semester). -#}
with

tahun_anggaran as (

    select distinct tahun from {{ ref('int_kode_dipakai_unioned') }}

),

angka as (

    select digit.n
    from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as digit (n)

),

hari_ke as (

    select satuan.n + 10 * puluhan.n + 100 * ratusan.n as n
    from angka as satuan
    cross join angka as puluhan
    cross join angka as ratusan
    where satuan.n + 10 * puluhan.n + 100 * ratusan.n < 366

),

tanggal as (

    select
        tahun_anggaran.tahun,
        cast(cast(tahun_anggaran.tahun as varchar) || '-01-01' as date) + hari_ke.n as tanggal
    from tahun_anggaran
    cross join hari_ke

),

bulan as (

    select
        daftar_bulan.bulan,
        daftar_bulan.nama_bulan,
        daftar_bulan.triwulan,
        daftar_bulan.semester
    from (
        values
        (1, 'Januari', 1, 1),
        (2, 'Februari', 1, 1),
        (3, 'Maret', 1, 1),
        (4, 'April', 2, 1),
        (5, 'Mei', 2, 1),
        (6, 'Juni', 2, 1),
        (7, 'Juli', 3, 2),
        (8, 'Agustus', 3, 2),
        (9, 'September', 3, 2),
        (10, 'Oktober', 4, 2),
        (11, 'November', 4, 2),
        (12, 'Desember', 4, 2)
    ) as daftar_bulan (bulan, nama_bulan, triwulan, semester)

),

final as (

    select
        cast(tanggal.tanggal as date) as tanggal,
        tanggal.tahun,
        bulan.bulan,
        bulan.nama_bulan,
        bulan.triwulan,
        bulan.semester,
        cast(extract(day from tanggal.tanggal) as integer) as hari
    from tanggal
    inner join bulan
        on extract(month from tanggal.tanggal) = bulan.bulan
    where extract(year from tanggal.tanggal) = tanggal.tahun

)

select * from final
