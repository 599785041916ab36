{#- One row per funding-source code (every level of the Permendagri 90 list), with its parent and
    the top two levels (dana umum/khusus; PAD/transfer/lain-lain) for roll-ups. Codes used in the
    data but missing from the list get a row with null names. -#}
with

sumber_dana as (

    select
        cast(kode_sumber_dana as varchar) as kode_sumber_dana,
        cast(nama_sumber_dana as varchar) as nama_sumber_dana,
        cast(level as integer) as level,
        cast(kode_induk as varchar) as kode_induk
    from {{ ref('ref_sumber_dana') }}

),

tidak_dikenal as (

    select distinct
        dipakai.kode_sumber_dana,
        cast(null as varchar) as nama_sumber_dana,
        cast(null as integer) as level,
        cast(null as varchar) as kode_induk
    from {{ ref('int_kode_dipakai_unioned') }} as dipakai
    left join sumber_dana
        on dipakai.kode_sumber_dana = sumber_dana.kode_sumber_dana
    where
        dipakai.kode_sumber_dana is not null
        and sumber_dana.kode_sumber_dana is null

),

semua as (

    select
        *,
        true as ada_di_referensi
    from sumber_dana
    union all
    select
        *,
        false as ada_di_referensi
    from tidak_dikenal

),

final as (

    select
        semua.kode_sumber_dana,
        semua.nama_sumber_dana,
        semua.level,
        semua.kode_induk,
        induk.nama_sumber_dana as nama_induk,
        substr(semua.kode_sumber_dana, 1, 1) as kode_sumber_dana_1,
        level_1.nama_sumber_dana as nama_sumber_dana_1,
        case
            when length(semua.kode_sumber_dana) >= 4 then substr(semua.kode_sumber_dana, 1, 4)
        end as kode_sumber_dana_2,
        level_2.nama_sumber_dana as nama_sumber_dana_2,
        semua.ada_di_referensi
    from semua
    left join sumber_dana as induk
        on semua.kode_induk = induk.kode_sumber_dana
    left join sumber_dana as level_1
        on substr(semua.kode_sumber_dana, 1, 1) = level_1.kode_sumber_dana
    left join sumber_dana as level_2
        on
            length(semua.kode_sumber_dana) >= 4
            and substr(semua.kode_sumber_dana, 1, 4) = level_2.kode_sumber_dana

)

select * from final
