{#- One row per fiscal year x OPD x sub kegiatan x place its money is spent: a kelurahan, or the
    city-wide share (kode_wilayah 64.72, berlokasi false, seluruh_kota true). Final pagu and SP2D
    realisation of each account are split over every location the DPA lists for it, by the amount
    of the DPA lines in each place (int_dpa_lokasi_weighted_to_kelurahan states the rule: rincian
    location, else the sub kegiatan's, kecamatan split equally, no location = seluruh kota). An
    account paid without a DPA line takes the weights of its whole sub kegiatan; a sub kegiatan
    paid without any DPA row is seluruh kota (dasar_lokasi tanpa_dpa).
    The split is exact: integer cents, the remainder of the rounding to the place with the largest
    weight. Nothing is dropped, so per sub kegiatan and per year the sum of realisasi_rp equals
    the SP2D total to the rupiah (tests/assert_belanja_wilayah_...). -#}
{{ config(materialized='irisan_pemda') }}
with

atribut as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        max(nama_skpd) as nama_skpd,
        max(kode_program) as kode_program,
        max(kode_fungsi) as kode_fungsi,
        max(nama_fungsi) as nama_fungsi
    from {{ ref('int_anggaran_realisasi_joined') }}
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan

),

-- money per account, in integer cents
akun as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        cast(round(sum(pagu_akhir_rp) * 100) as hugeint) as pagu_sen,
        cast(round(sum(realisasi_rp) * 100) as hugeint) as realisasi_sen
    from {{ ref('int_anggaran_realisasi_joined') }}
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan, kode_akun

),

sumber as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        {{ sumber_sha256_unnest('sumber_sha256') }} as sumber_sha256
    from {{ ref('int_anggaran_realisasi_joined') }}

),

sumber_per_baris as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        {{ sumber_sha256_agg('sumber_sha256') }} as sumber_sha256
    from sumber
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan

),

bobot as (

    select * from {{ ref('int_dpa_lokasi_weighted_to_kelurahan') }}

),

akun_berbobot as (

    select distinct
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun
    from bobot
    where kode_akun is not null

),

-- the account's own DPA lines, else the whole sub kegiatan's, else seluruh kota (tanpa_dpa)
kandidat as (

    select
        akun.*,
        coalesce(bobot_akun.kode_wilayah, bobot_sub.kode_wilayah, akun.kode_pemda) as kode_wilayah,
        coalesce(bobot_akun.dasar_lokasi, bobot_sub.dasar_lokasi, 'tanpa_dpa') as dasar_lokasi,
        coalesce(bobot_akun.dibagi_rata_kecamatan, bobot_sub.dibagi_rata_kecamatan, false)
            as dibagi_rata_kecamatan,
        coalesce(bobot_akun.bobot, bobot_sub.bobot, 1) as bobot
    from akun
    left join akun_berbobot
        on
            akun.kode_pemda = akun_berbobot.kode_pemda
            and akun.tahun = akun_berbobot.tahun
            and akun.kode_skpd = akun_berbobot.kode_skpd
            and akun.kode_sub_kegiatan = akun_berbobot.kode_sub_kegiatan
            and akun.kode_akun = akun_berbobot.kode_akun
    left join bobot as bobot_akun
        on
            akun.kode_pemda = bobot_akun.kode_pemda
            and akun.tahun = bobot_akun.tahun
            and akun.kode_skpd = bobot_akun.kode_skpd
            and akun.kode_sub_kegiatan = bobot_akun.kode_sub_kegiatan
            and akun.kode_akun = bobot_akun.kode_akun
    left join bobot as bobot_sub
        on
            akun.kode_pemda = bobot_sub.kode_pemda
            and akun.tahun = bobot_sub.tahun
            and akun.kode_skpd = bobot_sub.kode_skpd
            and akun.kode_sub_kegiatan = bobot_sub.kode_sub_kegiatan
            and bobot_sub.kode_akun is null
            and akun_berbobot.kode_akun is null

),

-- all-zero weights (a DPA line of Rp0) split equally
ditimbang as (

    select
        kandidat.*,
        case
            when sum(kandidat.bobot) over per_akun > 0 then kandidat.bobot else 1
        end as bobot_efektif,
        row_number() over (
            partition by
                kandidat.kode_pemda, kandidat.tahun, kandidat.kode_skpd, kandidat.kode_sub_kegiatan,
                kandidat.kode_akun
            order by kandidat.bobot desc, kandidat.kode_wilayah asc, kandidat.dasar_lokasi asc
        ) as urutan
    from kandidat
    window per_akun as (
        partition by
            kandidat.kode_pemda, kandidat.tahun, kandidat.kode_skpd, kandidat.kode_sub_kegiatan,
            kandidat.kode_akun
    )

),

dibagi as (

    select
        *,
        pagu_sen * bobot_efektif // sum(bobot_efektif) over per_akun as pagu_dasar_sen,
        realisasi_sen * bobot_efektif // sum(bobot_efektif) over per_akun as realisasi_dasar_sen
    from ditimbang
    window per_akun as (partition by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan, kode_akun)

),

-- the rounding remainder goes to the place with the largest weight (urutan 1)
tepat as (

    select
        *,
        pagu_dasar_sen + case
            when urutan = 1 then pagu_sen - sum(pagu_dasar_sen) over per_akun else 0
        end as pagu_bagian_sen,
        realisasi_dasar_sen + case
            when urutan = 1 then realisasi_sen - sum(realisasi_dasar_sen) over per_akun else 0
        end as realisasi_bagian_sen
    from dibagi
    window per_akun as (partition by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan, kode_akun)

),

per_lokasi as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_wilayah,
        string_agg(distinct dasar_lokasi, ', ' order by dasar_lokasi) as dasar_lokasi,
        bool_or(dibagi_rata_kecamatan) as dibagi_rata_kecamatan,
        cast(cast(sum(pagu_bagian_sen) as decimal(38, 0)) * 0.01 as decimal(18, 2))
            as pagu_akhir_rp,
        cast(cast(sum(realisasi_bagian_sen) as decimal(38, 0)) * 0.01 as decimal(18, 2))
            as realisasi_rp
    from tepat
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan, kode_wilayah

),

kelurahan as (

    select
        kode_pemda,
        kode_wilayah,
        kode_kecamatan
    from {{ ref('int_wilayah_typed') }}
    where level = 'kelurahan'

),

final as (

    select
        per_lokasi.kode_pemda,
        per_lokasi.tahun,
        per_lokasi.kode_skpd,
        per_lokasi.kode_sub_kegiatan,
        atribut.nama_skpd,
        coalesce(atribut.kode_program, substr(per_lokasi.kode_sub_kegiatan, 1, 7))
            as kode_program,
        atribut.kode_fungsi,
        atribut.nama_fungsi,
        per_lokasi.kode_wilayah,
        kelurahan.kode_kecamatan,
        kelurahan.kode_wilayah is not null as berlokasi,
        per_lokasi.pagu_akhir_rp,
        per_lokasi.realisasi_rp,
        sumber_per_baris.sumber_sha256,
        kelurahan.kode_wilayah is null as seluruh_kota,
        per_lokasi.dasar_lokasi,
        per_lokasi.dibagi_rata_kecamatan,
        cast(
            count(*) filter (where kelurahan.kode_wilayah is not null) over per_sub_kegiatan
            as integer
        ) as jumlah_kelurahan_sub_kegiatan,
        cast(
            case
                when sum(per_lokasi.realisasi_rp) over per_sub_kegiatan <> 0
                    then round(
                            100 * per_lokasi.realisasi_rp
                            / sum(per_lokasi.realisasi_rp) over per_sub_kegiatan,
                            2
                        )
            end as decimal(9, 2)
        ) as porsi_realisasi_persen
    from per_lokasi
    inner join atribut
        on
            per_lokasi.kode_pemda = atribut.kode_pemda
            and per_lokasi.tahun = atribut.tahun
            and per_lokasi.kode_skpd = atribut.kode_skpd
            and per_lokasi.kode_sub_kegiatan = atribut.kode_sub_kegiatan
    left join sumber_per_baris
        on
            per_lokasi.kode_pemda = sumber_per_baris.kode_pemda
            and per_lokasi.tahun = sumber_per_baris.tahun
            and per_lokasi.kode_skpd = sumber_per_baris.kode_skpd
            and per_lokasi.kode_sub_kegiatan = sumber_per_baris.kode_sub_kegiatan
    left join kelurahan
        on
            per_lokasi.kode_pemda = kelurahan.kode_pemda
            and per_lokasi.kode_wilayah = kelurahan.kode_wilayah
    window per_sub_kegiatan as (
        partition by
            per_lokasi.kode_pemda,
            per_lokasi.tahun,
            per_lokasi.kode_skpd,
            per_lokasi.kode_sub_kegiatan
    )

)

select * from final
