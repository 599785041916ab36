{#- The program nomenclature as it stands in each fiscal year present in the data (a code is
    valid in a year by the macro berlaku_pada). -#}
with

tahun_anggaran as (

    select distinct tahun from {{ ref('int_kode_dipakai_unioned') }}

),

nomenklatur as (

    select
        cast(kode_urusan as varchar) as kode_urusan,
        cast(nama_urusan as varchar) as nama_urusan,
        cast(kode_bidang_urusan as varchar) as kode_bidang_urusan,
        cast(nama_bidang_urusan as varchar) as nama_bidang_urusan,
        cast(kode_program as varchar) as kode_program,
        cast(nama_program as varchar) as nama_program,
        cast(kode_kegiatan as varchar) as kode_kegiatan,
        cast(nama_kegiatan as varchar) as nama_kegiatan,
        cast(kode_sub_kegiatan as varchar) as kode_sub_kegiatan,
        cast(nama_sub_kegiatan as varchar) as nama_sub_kegiatan,
        cast(tahun_mulai as integer) as tahun_mulai,
        cast(tahun_selesai as integer) as tahun_selesai
    from {{ ref('ref_nomenklatur') }}

),

final as (

    select
        tahun_anggaran.tahun,
        nomenklatur.*
    from tahun_anggaran
    inner join nomenklatur
        on {{ berlaku_pada('tahun_anggaran.tahun', 'nomenklatur') }}

)

select * from final
