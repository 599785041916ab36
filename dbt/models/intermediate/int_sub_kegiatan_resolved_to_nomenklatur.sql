{#- Each sub kegiatan code used in the data, per fiscal year, with the nomenclature row it stands
    for. A DPA writes the support program 'X.XX.01.2.KK.SSSS' with the OPD's own bidang urusan
    (e.g. 1.02.01.2.02.0001); when the exact code is not in that year's nomenclature and the
    program segment is 01, it resolves to 'X.XX' || substr(code, 5). -#}
with

dipakai as (

    select distinct
        tahun,
        kode_sub_kegiatan
    from {{ ref('int_kode_dipakai_unioned') }}

),

nomenklatur as (

    select
        tahun,
        kode_sub_kegiatan
    from {{ ref('int_nomenklatur_filtered_to_tahun') }}

),

resolved as (

    select
        dipakai.tahun,
        dipakai.kode_sub_kegiatan,
        coalesce(tepat.kode_sub_kegiatan, penunjang.kode_sub_kegiatan)
            as kode_sub_kegiatan_nomenklatur,
        case
            when tepat.kode_sub_kegiatan is not null then 'tepat'
            when penunjang.kode_sub_kegiatan is not null then 'penunjang'
        end as cara_resolusi
    from dipakai
    left join nomenklatur as tepat
        on
            dipakai.tahun = tepat.tahun
            and dipakai.kode_sub_kegiatan = tepat.kode_sub_kegiatan
    left join nomenklatur as penunjang
        on
            dipakai.tahun = penunjang.tahun
            and substr(dipakai.kode_sub_kegiatan, 6, 2) = '01'
            and penunjang.kode_sub_kegiatan = 'X.XX' || substr(dipakai.kode_sub_kegiatan, 5)

)

select * from resolved
