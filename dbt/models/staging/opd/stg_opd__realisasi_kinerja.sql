{#- Columns and types come from the contract (macro contract_columns, generated); the quarter
    arrives as text and is a number from here on, and the values as written in the file keep
    their names with `_asli`/`_angka`. -#}
with

source as (

    select * from {{ source('opd', 'realisasi_kinerja') }}

),

renamed as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        {{ contract_columns(
            'opd', 'realisasi_kinerja',
            exclude=['kode_pemda'],
            cast_as={'triwulan': 'integer'},
            rename={
                'satuan': 'satuan_asli',
                'arah': 'arah_asli',
                'target': 'target_angka',
                'realisasi': 'realisasi_angka',
            },
        ) }},

        -- the nomenclature levels the code stands for
        cast(substr(kode_nomenklatur, 1, 7) as varchar) as kode_program,
        cast(
            case
                when tingkat in ('kegiatan', 'sub_kegiatan') then substr(kode_nomenklatur, 1, 12)
            end
            as varchar
        ) as kode_kegiatan,
        cast(
            case when tingkat = 'sub_kegiatan' then kode_nomenklatur end as varchar
        ) as kode_sub_kegiatan

    from source

)

select * from renamed
