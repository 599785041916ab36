{#- One row per fiscal year x sub kegiatan code as used in the data. Holds the whole nomenclature
    valid in each fiscal year present (support-program codes in their 'X.XX' form), plus every code
    a source uses in that year: support-program codes instantiated with the OPD's bidang urusan
    (urusan and bidang from the code itself, program/kegiatan/sub kegiatan names from the 'X.XX'
    row) and, should one slip through, codes missing from the nomenclature (names null). -#}
{{ config(materialized='table') }}
with

nomenklatur as (

    select * from {{ ref('int_nomenklatur_filtered_to_tahun') }}

),

resolved as (

    select * from {{ ref('int_sub_kegiatan_resolved_to_nomenklatur') }}

),

urusan as (

    select
        tahun,
        kode_urusan,
        max(nama_urusan) as nama_urusan
    from nomenklatur
    group by tahun, kode_urusan

),

bidang_urusan as (

    select
        tahun,
        kode_bidang_urusan,
        max(nama_bidang_urusan) as nama_bidang_urusan
    from nomenklatur
    group by tahun, kode_bidang_urusan

),

fungsi as (

    select
        cast(bidang_urusan_fungsi.kode_bidang_urusan as varchar) as kode_bidang_urusan,
        cast(bidang_urusan_fungsi.kode_fungsi as varchar) as kode_fungsi,
        cast(ref_fungsi.nama as varchar) as nama_fungsi
    from {{ ref('ref_bidang_urusan_fungsi') }} as bidang_urusan_fungsi
    left join {{ ref('ref_fungsi') }} as ref_fungsi
        on
            cast(bidang_urusan_fungsi.kode_fungsi as varchar)
            = cast(ref_fungsi.kode_fungsi as varchar)
            and ref_fungsi.kode_subfungsi is null

),

dari_nomenklatur as (

    select
        tahun,
        kode_sub_kegiatan,
        nama_sub_kegiatan,
        kode_kegiatan,
        nama_kegiatan,
        kode_program,
        nama_program,
        kode_bidang_urusan,
        nama_bidang_urusan,
        kode_urusan,
        nama_urusan,
        kode_sub_kegiatan as kode_sub_kegiatan_nomenklatur,
        true as ada_di_nomenklatur
    from nomenklatur

),

penunjang as (

    select
        resolved.tahun,
        resolved.kode_sub_kegiatan,
        x_xx.nama_sub_kegiatan,
        substr(resolved.kode_sub_kegiatan, 1, 12) as kode_kegiatan,
        x_xx.nama_kegiatan,
        substr(resolved.kode_sub_kegiatan, 1, 7) as kode_program,
        x_xx.nama_program,
        substr(resolved.kode_sub_kegiatan, 1, 4) as kode_bidang_urusan,
        bidang_urusan.nama_bidang_urusan,
        substr(resolved.kode_sub_kegiatan, 1, 1) as kode_urusan,
        urusan.nama_urusan,
        resolved.kode_sub_kegiatan_nomenklatur,
        true as ada_di_nomenklatur
    from resolved
    inner join nomenklatur as x_xx
        on
            resolved.tahun = x_xx.tahun
            and resolved.kode_sub_kegiatan_nomenklatur = x_xx.kode_sub_kegiatan
    left join bidang_urusan
        on
            resolved.tahun = bidang_urusan.tahun
            and substr(resolved.kode_sub_kegiatan, 1, 4) = bidang_urusan.kode_bidang_urusan
    left join urusan
        on
            resolved.tahun = urusan.tahun
            and substr(resolved.kode_sub_kegiatan, 1, 1) = urusan.kode_urusan
    where resolved.cara_resolusi = 'penunjang'

),

tidak_dikenal as (

    select
        tahun,
        kode_sub_kegiatan,
        cast(null as varchar) as nama_sub_kegiatan,
        substr(kode_sub_kegiatan, 1, 12) as kode_kegiatan,
        cast(null as varchar) as nama_kegiatan,
        substr(kode_sub_kegiatan, 1, 7) as kode_program,
        cast(null as varchar) as nama_program,
        substr(kode_sub_kegiatan, 1, 4) as kode_bidang_urusan,
        cast(null as varchar) as nama_bidang_urusan,
        substr(kode_sub_kegiatan, 1, 1) as kode_urusan,
        cast(null as varchar) as nama_urusan,
        cast(null as varchar) as kode_sub_kegiatan_nomenklatur,
        false as ada_di_nomenklatur
    from resolved
    where cara_resolusi is null

),

unioned as (

    select * from dari_nomenklatur
    union all
    select * from penunjang
    union all
    select * from tidak_dikenal

),

dipakai as (

    select distinct
        tahun,
        kode_sub_kegiatan
    from resolved

),

final as (

    select
        unioned.tahun,
        unioned.kode_sub_kegiatan,
        unioned.nama_sub_kegiatan,
        unioned.kode_kegiatan,
        unioned.nama_kegiatan,
        unioned.kode_program,
        unioned.nama_program,
        unioned.kode_bidang_urusan,
        unioned.nama_bidang_urusan,
        unioned.kode_urusan,
        unioned.nama_urusan,
        fungsi.kode_fungsi,
        fungsi.nama_fungsi,
        unioned.kode_sub_kegiatan_nomenklatur,
        unioned.ada_di_nomenklatur,
        dipakai.kode_sub_kegiatan is not null as dipakai_dalam_data
    from unioned
    left join fungsi
        on unioned.kode_bidang_urusan = fungsi.kode_bidang_urusan
    left join dipakai
        on
            unioned.tahun = dipakai.tahun
            and unioned.kode_sub_kegiatan = dipakai.kode_sub_kegiatan

)

select * from final
