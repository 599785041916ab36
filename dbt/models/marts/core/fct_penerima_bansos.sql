{#- One row per fiscal year x kelurahan x assistance programme x age band x sex: how many
    beneficiaries and how much aid. Aggregated on purpose: no row of the warehouse identifies a
    person (NIK, name and birth date never left ingest; not even their pseudonym is published). -#}
with

penerima as (

    select * from {{ ref('stg_dinsos__penerima_bansos') }}

),

final as (

    select
        tahun,
        kode_kelurahan,
        program_bansos,
        kelompok_umur,
        jenis_kelamin,
        max(kode_sub_kegiatan) as kode_sub_kegiatan,
        cast(count(*) as integer) as jumlah_penerima,
        cast(sum(nilai_bantuan_rp) as decimal(18, 2)) as nilai_bantuan_rp,
        {{ sumber_sha256_agg('sumber_sha256') }} as sumber_sha256
    from penerima
    group by tahun, kode_kelurahan, program_bansos, kelompok_umur, jenis_kelamin

)

select * from final
