{#- One row per pemda of the Kemendagri region list (seed ref_pemda: every province and
    kab/kota), with the codes other publishers use (BPS, DJPK), population and area: the pemda
    every kode_pemda of the warehouse names. -#}
with

pemda as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(nama_pemda as varchar) as nama_pemda,
        cast(jenis as varchar) as jenis,
        cast(kode_provinsi as varchar) as kode_provinsi,
        cast(nama_provinsi as varchar) as nama_provinsi,
        cast(pulau as varchar) as pulau,
        cast(kode_bps as varchar) as kode_bps,
        cast(kode_djpk as varchar) as kode_djpk,
        cast(penduduk as bigint) as penduduk,
        cast(luas_km2 as decimal(12, 3)) as luas_km2
    from {{ ref('ref_pemda') }}

)

select * from pemda
