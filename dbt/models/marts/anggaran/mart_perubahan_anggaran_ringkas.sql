{#- One row per fiscal year x pair of budget phases compared x level (opd, program of an OPD,
    account) x code: the line-by-line changes of mart_perubahan_anggaran summed. A line counts on
    each side where it is: a line moved between OPDs leaves one OPD (dipindah keluar) and enters
    the other (dipindah masuk).

    Built five pemda at a time (dbt/macros/irisan_pemda.sql irisan_per_batch): the sources'
    hashes of a whole account or OPD are gathered as lists before they are made distinct, and at
    100 pemda of issue 12's size that aggregate ran out of DuckDB's 5 GiB after 45 s. -#}
{{ config(irisan_per_batch=5) }}

with

baris as (

    select * from {{ ref('int_rincian_matched_across_tahap') }}

),

sisi as (

    select
        kode_pemda,
        tahun,
        tahap_dari,
        tahap_ke,
        kode_skpd_dari as kode_skpd,
        substr(kode_sub_kegiatan_dari, 1, 7) as kode_program,
        kode_akun,
        status,
        'dari' as sisi,
        pagu_dari_rp,
        cast(0 as decimal(18, 2)) as pagu_ke_rp,
        sumber_sha256
    from baris
    where kode_skpd_dari is not null
    union all
    select
        kode_pemda,
        tahun,
        tahap_dari,
        tahap_ke,
        kode_skpd_ke as kode_skpd,
        substr(kode_sub_kegiatan_ke, 1, 7) as kode_program,
        kode_akun,
        status,
        'ke' as sisi,
        cast(0 as decimal(18, 2)) as pagu_dari_rp,
        pagu_ke_rp,
        sumber_sha256
    from baris
    where kode_skpd_ke is not null

),

bertingkat as (

    {#- one copy of every side per level: (tingkat, kode, kode_skpd, kode_program, kode_akun) -#}
    {%- set tingkat = [
        ('opd', 'sisi.kode_skpd', 'sisi.kode_skpd', 'null', 'null'),
        ('program', "sisi.kode_skpd || ' ' || sisi.kode_program", 'sisi.kode_skpd',
            'sisi.kode_program', 'null'),
        ('akun', 'sisi.kode_akun', 'null', 'null', 'sisi.kode_akun'),
    ] %}
    {%- for nama, kode, skpd, program, akun in tingkat %}
        select
            sisi.kode_pemda,
            sisi.tahun,
            sisi.tahap_dari,
            sisi.tahap_ke,
            '{{ nama }}' as tingkat,
            {{ kode }} as kode,
            cast({{ skpd }} as varchar) as kode_skpd,
            cast({{ program }} as varchar) as kode_program,
            cast({{ akun }} as varchar) as kode_akun,
            sisi.status,
            sisi.sisi,
            sisi.pagu_dari_rp,
            sisi.pagu_ke_rp,
            sisi.sumber_sha256
        from sisi
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

dijumlah as (

    select
        kode_pemda,
        tahun,
        tahap_dari,
        tahap_ke,
        tingkat,
        kode,
        any_value(kode_skpd) as kode_skpd,
        any_value(kode_program) as kode_program,
        any_value(kode_akun) as kode_akun,
        cast(sum(pagu_dari_rp) as decimal(18, 2)) as pagu_dari_rp,
        cast(sum(pagu_ke_rp) as decimal(18, 2)) as pagu_ke_rp,
        cast(count(*) filter (where sisi = 'ke' and status = 'berubah') as integer)
            as jumlah_berubah,
        cast(count(*) filter (where sisi = 'ke' and status = 'tetap') as integer) as jumlah_tetap,
        cast(count(*) filter (where sisi = 'ke' and status = 'ditambah') as integer)
            as jumlah_ditambah,
        cast(count(*) filter (where sisi = 'dari' and status = 'dihapus') as integer)
            as jumlah_dihapus,
        cast(count(*) filter (where sisi = 'ke' and status = 'dipindah') as integer)
            as jumlah_dipindah_masuk,
        cast(count(*) filter (where sisi = 'dari' and status = 'dipindah') as integer)
            as jumlah_dipindah_keluar,
        cast(
            coalesce(sum(pagu_ke_rp) filter (where sisi = 'ke' and status = 'ditambah'), 0)
            as decimal(18, 2)
        ) as ditambah_rp,
        cast(
            coalesce(sum(pagu_dari_rp) filter (where sisi = 'dari' and status = 'dihapus'), 0)
            as decimal(18, 2)
        ) as dihapus_rp,
        cast(
            coalesce(sum(pagu_ke_rp) filter (where sisi = 'ke' and status = 'dipindah'), 0)
            as decimal(18, 2)
        ) as dipindah_masuk_rp,
        cast(
            coalesce(sum(pagu_dari_rp) filter (where sisi = 'dari' and status = 'dipindah'), 0)
            as decimal(18, 2)
        ) as dipindah_keluar_rp,
        array_to_string(
            list_sort(list_distinct(flatten(list(string_split(sumber_sha256, ','))))), ','
        ) as sumber_sha256
    from bertingkat
    group by kode_pemda, tahun, tahap_dari, tahap_ke, tingkat, kode

),

final as (

    select
        kode_pemda,
        tahun,
        tahap_dari,
        tahap_ke,
        tingkat,
        kode,
        kode_skpd,
        kode_program,
        kode_akun,
        pagu_dari_rp,
        pagu_ke_rp,
        cast(pagu_ke_rp - pagu_dari_rp as decimal(18, 2)) as selisih_rp,
        {{ persen_half_up('pagu_ke_rp - pagu_dari_rp', 'pagu_dari_rp', tipe='decimal(12, 2)') }}
            as selisih_persen,
        jumlah_berubah,
        jumlah_tetap,
        jumlah_ditambah,
        jumlah_dihapus,
        jumlah_dipindah_masuk,
        jumlah_dipindah_keluar,
        ditambah_rp,
        dihapus_rp,
        dipindah_masuk_rp,
        dipindah_keluar_rp,
        'Pagu ' || tahap_dari || ' ' || {{ rupiah_teks('pagu_dari_rp') }} || ', '
        || tahap_ke || ' ' || {{ rupiah_teks('pagu_ke_rp') }}
        || case
            when pagu_ke_rp > pagu_dari_rp
                then ' (naik ' || {{ rupiah_teks('pagu_ke_rp - pagu_dari_rp') }} || ')'
            when pagu_ke_rp < pagu_dari_rp
                then ' (turun ' || {{ rupiah_teks('pagu_dari_rp - pagu_ke_rp') }} || ')'
            else ' (sama)'
        end
        || ': ' || cast(jumlah_berubah as varchar) || ' baris berubah, '
        || cast(jumlah_tetap as varchar) || ' tetap, '
        || cast(jumlah_ditambah as varchar) || ' ditambah ('
        || {{ rupiah_teks('ditambah_rp') }} || '), '
        || cast(jumlah_dihapus as varchar) || ' dihapus ('
        || {{ rupiah_teks('dihapus_rp') }} || '), '
        || cast(jumlah_dipindah_masuk as varchar) || ' dipindah masuk ('
        || {{ rupiah_teks('dipindah_masuk_rp') }} || '), '
        || cast(jumlah_dipindah_keluar as varchar) || ' dipindah keluar ('
        || {{ rupiah_teks('dipindah_keluar_rp') }} || ').' as alasan,
        sumber_sha256
    from dijumlah

)

select * from final
