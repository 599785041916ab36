{#- One row per fiscal year x sub kegiatan that paid social assistance (bansos, akun 5.1.06) or
    that a Dinas Sosial beneficiary list names: the aid on the lists against the SP2D bansos paid
    for the same sub kegiatan and year. Coverage figures compare like with like only where
    ada_daftar: a bansos sub kegiatan without a list is paid to people nobody has sent us, and
    its money must not be read as "aid to the listed beneficiaries". -#}
with

daftar as (

    select
        kode_pemda,
        tahun,
        kode_sub_kegiatan,
        string_agg(distinct program_bansos, ', ' order by program_bansos) as program_bansos,
        count(distinct nik_hash) as jumlah_penerima_daftar,
        cast(sum(nilai_bantuan_rp) as decimal(18, 2)) as nilai_bantuan_daftar_rp
    from {{ ref('stg_dinsos__penerima_bansos') }}
    group by kode_pemda, tahun, kode_sub_kegiatan

),

dibayar as (

    select
        kode_pemda,
        tahun,
        kode_sub_kegiatan,
        cast(sum(realisasi_rp) as decimal(18, 2)) as bansos_dibayar_rp
    from {{ ref('int_anggaran_realisasi_joined') }}
    where kode_akun like '5.1.06.%'
    group by kode_pemda, tahun, kode_sub_kegiatan

),

final as (

    select
        cast(coalesce(daftar.kode_pemda, dibayar.kode_pemda) as varchar) as kode_pemda,
        cast(coalesce(daftar.tahun, dibayar.tahun) as integer) as tahun,
        cast(coalesce(daftar.kode_sub_kegiatan, dibayar.kode_sub_kegiatan) as varchar)
            as kode_sub_kegiatan,
        daftar.tahun is not null as ada_daftar,
        cast(daftar.program_bansos as varchar) as program_bansos,
        cast(coalesce(daftar.jumlah_penerima_daftar, 0) as integer) as jumlah_penerima_daftar,
        cast(coalesce(daftar.nilai_bantuan_daftar_rp, 0) as decimal(18, 2))
            as nilai_bantuan_daftar_rp,
        cast(coalesce(dibayar.bansos_dibayar_rp, 0) as decimal(18, 2)) as bansos_dibayar_rp
    from daftar
    full outer join dibayar
        on
            daftar.kode_pemda = dibayar.kode_pemda
            and daftar.tahun = dibayar.tahun
            and daftar.kode_sub_kegiatan = dibayar.kode_sub_kegiatan

)

select * from final
