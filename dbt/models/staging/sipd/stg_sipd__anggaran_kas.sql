{#- The file is wide (bulan_1 .. bulan_12); the warehouse wants one row per month. A cross join
    with the twelve months reads the Parquet once (a union of twelve selects would read it twelve
    times) and stays portable (no UNPIVOT). Columns and types come from the contract (macro
    contract_columns, generated). -#}
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
        cast(source.kode_pemda as varchar) as kode_pemda,
        {{ contract_columns(
            'sipd', 'anggaran_kas',
            exclude=[
                'kode_pemda',
                'bulan_1', 'bulan_2', 'bulan_3', 'bulan_4', 'bulan_5', 'bulan_6',
                'bulan_7', 'bulan_8', 'bulan_9', 'bulan_10', 'bulan_11', 'bulan_12',
            ],
            relation='source.',
        ) }},
        {{ urutan_tahap('source.tahap') }} as urutan_tahap,
        cast(bulan.bulan as integer) as bulan,
        cast(
            case bulan.bulan
                {%- for b in range(1, 13) %}
                    when {{ b }} then source.bulan_{{ b }}
                {%- endfor %}
            end as decimal(18, 2)
        ) as rencana_rp

    from source
    cross join bulan

)

select * from renamed
