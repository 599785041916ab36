-- Every effect sentence states the sign of its own figure: 'selisih +x poin (lebih baik' when
-- the rounded selisih_perbaikan is positive, 'selisih -x poin (lebih buruk' when negative,
-- 'selisih 0,00 poin (sama' at zero; the number written equals the figure rounded to 2 decimals.
-- The tier mart repeats the sentence word for word. Returns the rows that disagree.
with

kalimat as (

    select
        'mart_kinerja_program' as nama_model,
        tahun,
        kode_skpd,
        kode_program,
        selisih_perbaikan_outcome as selisih_perbaikan,
        alasan_dampak as teks
    from {{ ref('mart_kinerja_program') }}
    where alasan_dampak like '%selisih %'

    union all

    select
        'mart_prioritas_alokasi' as nama_model,
        prioritas.tahun,
        prioritas.kode_skpd,
        prioritas.kode_program,
        kinerja.selisih_perbaikan_outcome as selisih_perbaikan,
        prioritas.alasan as teks
    from {{ ref('mart_prioritas_alokasi') }} as prioritas
    inner join {{ ref('mart_kinerja_program') }} as kinerja
        on
            prioritas.kode_pemda = kinerja.kode_pemda
            and prioritas.tahun = kinerja.tahun
            and prioritas.kode_skpd = kinerja.kode_skpd
            and prioritas.kode_program = kinerja.kode_program
    where kinerja.alasan_dampak like '%selisih %'

),

dibaca as (

    select
        *,
        regexp_extract(teks, 'selisih ([+-]?[0-9.]*[0-9],[0-9]{2}) poin \(([a-z ]+?) daripada', 1)
            as angka_teks,
        regexp_extract(teks, 'selisih ([+-]?[0-9.]*[0-9],[0-9]{2}) poin \(([a-z ]+?) daripada', 2)
            as arah_teks,
        round(selisih_perbaikan, 2) as angka
    from kalimat

)

select *
from dibaca
where
    angka_teks = ''
    or cast(replace(replace(angka_teks, '.', ''), ',', '.') as decimal(18, 2)) <> angka
    or arah_teks
    <> case when angka > 0 then 'lebih baik' when angka < 0 then 'lebih buruk' else 'sama' end
    or (angka > 0 and not starts_with(angka_teks, '+'))
