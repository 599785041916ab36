{#- One row per fiscal year x level-6 expenditure account (kode rekening) valid that year, with the
    code and name of each level above it, found by walking ref_akun's parent chain (kode_induk)
    within the same year: codes are renamed between regulations, so the year is part of the key.
    Codes used in the data but missing from the list get a row with null names. -#}
with

tahun_anggaran as (

    select distinct tahun from {{ ref('int_kode_dipakai_unioned') }}

),

akun as (

    select
        tahun_anggaran.tahun,
        cast(ref_akun.kode_akun as varchar) as kode_akun,
        cast(ref_akun.nama_akun as varchar) as nama_akun,
        cast(ref_akun.level as integer) as level,
        cast(ref_akun.kode_induk as varchar) as kode_induk
    from tahun_anggaran
    inner join {{ ref('ref_akun') }} as ref_akun
        on {{ berlaku_pada('tahun_anggaran.tahun', 'ref_akun') }}

),

dari_referensi as (

    select
        l6.tahun,
        l6.kode_akun,
        l6.nama_akun,
        l1.kode_akun as kode_akun_1,
        l1.nama_akun as nama_akun_1,
        l2.kode_akun as kode_akun_2,
        l2.nama_akun as nama_akun_2,
        l3.kode_akun as kode_akun_3,
        l3.nama_akun as nama_akun_3,
        l4.kode_akun as kode_akun_4,
        l4.nama_akun as nama_akun_4,
        l5.kode_akun as kode_akun_5,
        l5.nama_akun as nama_akun_5,
        true as ada_di_referensi
    from akun as l6
    left join akun as l5 on l6.tahun = l5.tahun and l6.kode_induk = l5.kode_akun
    left join akun as l4 on l5.tahun = l4.tahun and l5.kode_induk = l4.kode_akun
    left join akun as l3 on l4.tahun = l3.tahun and l4.kode_induk = l3.kode_akun
    left join akun as l2 on l3.tahun = l2.tahun and l3.kode_induk = l2.kode_akun
    left join akun as l1 on l2.tahun = l1.tahun and l2.kode_induk = l1.kode_akun
    where l6.level = 6

),

tidak_dikenal as (

    select distinct
        dipakai.tahun,
        dipakai.kode_akun,
        cast(null as varchar) as nama_akun,
        cast(null as varchar) as kode_akun_1,
        cast(null as varchar) as nama_akun_1,
        cast(null as varchar) as kode_akun_2,
        cast(null as varchar) as nama_akun_2,
        cast(null as varchar) as kode_akun_3,
        cast(null as varchar) as nama_akun_3,
        cast(null as varchar) as kode_akun_4,
        cast(null as varchar) as nama_akun_4,
        cast(null as varchar) as kode_akun_5,
        cast(null as varchar) as nama_akun_5,
        false as ada_di_referensi
    from {{ ref('int_kode_dipakai_unioned') }} as dipakai
    left join dari_referensi
        on
            dipakai.tahun = dari_referensi.tahun
            and dipakai.kode_akun = dari_referensi.kode_akun
    where
        dipakai.kode_akun is not null
        and dari_referensi.kode_akun is null

),

final as (

    select * from dari_referensi
    union all
    select * from tidak_dikenal

)

select * from final
