{#- One row per saved scenario x OPD x program, as `apbd scenario` wrote it to data/scenarios.
    The store may be empty (no scenario saved yet): source_or_empty then gives no rows; a file an
    older engine wrote reads the columns it lacks (tahap_dasar, terkunci_rp, is_bawaan) as null. -#}
with

source as (

    select * from {{ source_or_empty('skenario', 'alokasi', fill_missing=true) }}

),

renamed as (

    select
        -- keys
        -- a scenario saved before scenarios were keyed by pemda: the deployment's default pemda
        coalesce(cast(kode_pemda as varchar), '{{ var("kode_pemda_kota") }}') as kode_pemda,
        cast(id_skenario as varchar) as id_skenario,
        cast(kode_skpd as varchar) as kode_skpd,
        cast(kode_program as varchar) as kode_program,

        -- attributes
        cast(tahun as integer) as tahun,
        coalesce(cast(is_bawaan as boolean), false) as is_bawaan,
        cast(tahun_dasar as integer) as tahun_dasar,
        cast(tahap_dasar as varchar) as tahap_dasar,
        cast(nama_skpd as varchar) as nama_skpd,
        cast(nama_program as varchar) as nama_program,
        cast(kode_fungsi as varchar) as kode_fungsi,
        cast(tier as varchar) as tier,
        cast(dilindungi as boolean) as dilindungi,
        cast(alasan as varchar) as alasan,

        -- numbers
        cast(pagu_dasar_rp as decimal(18, 2)) as pagu_dasar_rp,
        cast(belanja_pegawai_rp as decimal(18, 2)) as belanja_pegawai_rp,
        cast(terkunci_rp as decimal(18, 2)) as terkunci_rp,
        cast(pagu_usulan_rp as decimal(18, 2)) as pagu_usulan_rp,
        cast(perubahan_rp as decimal(18, 2)) as perubahan_rp,
        cast(perubahan_persen as decimal(9, 2)) as perubahan_persen,
        cast(infrastruktur_usulan_rp as decimal(18, 2)) as infrastruktur_usulan_rp,
        cast(pagu_total_rp as decimal(18, 2)) as pagu_total_rp

    from source

)

select * from renamed
