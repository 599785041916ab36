{#- One value per BPS region, year, survey month and indicator: the files overlap (growth comes in
    three files), so the latest version wins. A value whose version date falls before its own year
    began is a target or projection, not a measurement (pertm_ekonomi_2021-2022.csv gives 2022
    figures dated 2021-12-06): kept apart by is_proyeksi. -#}
with

source as (

    select * from {{ source('bps', 'indikator_kabkota') }}

),

renamed as (

    select
        cast(kode_bps as varchar) as kode_bps,
        cast(tahun as integer) as tahun,
        cast(periode as varchar) as periode,
        cast(id_indikator as varchar) as id_indikator,
        cast(nama_indikator as varchar) as nama_indikator,
        cast(satuan as varchar) as satuan,
        cast(sumber as varchar) as sumber,
        cast(versi as varchar) as versi,
        cast(nilai as decimal(20, 4)) as nilai,
        cast(nasional as decimal(20, 4)) as nilai_nasional,
        coalesce(try_cast(versi as date) < make_date(cast(tahun as integer), 1, 1), false)
            as is_proyeksi,
        cast(_sumber_berkas as varchar) as sumber_berkas,
        cast(_baris as integer) as sumber_baris,
        cast(_dimuat_pada as timestamp) as dimuat_pada
    from source

),

-- the Kemendagri code of each BPS region code (ref_pemda): the warehouse's key for a pemda
pemda as (

    select
        kode_pemda,
        kode_bps
    from {{ ref('ref_pemda') }}
    where kode_bps is not null

),

final as (

    select
        pemda.kode_pemda,
        renamed.*
    from renamed
    left join pemda
        on renamed.kode_bps = pemda.kode_bps

)

select * from final
qualify row_number() over (
        partition by kode_bps, tahun, periode, id_indikator
        order by versi desc, dimuat_pada desc
    ) = 1
