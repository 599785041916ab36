{#- The file is wide (bulan_1 .. bulan_12); the warehouse wants one row per month. A cross join
    with the twelve months reads the Parquet once (a union of twelve selects would read it twelve
    times) and stays portable (no UNPIVOT). -#}
with

source as (

    select * from {{ source('sipd', 'anggaran_kas') }}

),

bulan as (

    select daftar_bulan.bulan
    from (
        values (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12)
    ) as daftar_bulan (bulan)

),

renamed as (

    select
        -- keys
        cast(source.tahun as integer) as tahun,
        cast(source.tahap as varchar) as tahap,
        {{ urutan_tahap('source.tahap') }} as urutan_tahap,
        cast(source.kode_skpd as varchar) as kode_skpd,
        cast(source.kode_sub_kegiatan as varchar) as kode_sub_kegiatan,
        cast(source.kode_akun as varchar) as kode_akun,
        cast(bulan.bulan as integer) as bulan,

        -- numbers
        cast(
            case bulan.bulan
                when 1 then source.bulan_1
                when 2 then source.bulan_2
                when 3 then source.bulan_3
                when 4 then source.bulan_4
                when 5 then source.bulan_5
                when 6 then source.bulan_6
                when 7 then source.bulan_7
                when 8 then source.bulan_8
                when 9 then source.bulan_9
                when 10 then source.bulan_10
                when 11 then source.bulan_11
                when 12 then source.bulan_12
            end as decimal(18, 2)
        ) as rencana_rp,

        -- lineage
        cast(source._sumber_sha256 as varchar) as sumber_sha256,
        cast(source._sumber_berkas as varchar) as sumber_berkas,
        cast(source._baris as integer) as sumber_baris,
        cast(source._dimuat_pada as timestamp) as dimuat_pada

    from source
    cross join bulan

)

select * from renamed
