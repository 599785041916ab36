{#- One row per fiscal year x OPD x sub kegiatan x account x funding source: budget (murni,
    perubahan, final) against realisation (spending recognised in fct_realisasi), with the
    drill-down names.

    Phase rule (macro is_tahap_akhir): each OPD is measured against its DPA at the latest phase it
    has that year by urutan_tahap (murni -> pergeseran_N -> perubahan -> pergeseran_perubahan_N):
    an OPD with only a pergeseran takes it, a pergeseran after the perubahan replaces the
    perubahan. A line missing from that phase has a final pagu of 0.

    Budget and realisation are stacked and then grouped by the line key: a full outer join in
    effect, so a payment on a line without budget still appears and the mart total equals the
    recognised spending to the rupiah. -#}
{{ config(materialized='irisan_pemda') }}
with

anggaran_semua_tahap as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        tahap,
        pagu_rp,
        sumber_sha256,
        {{ is_tahap_akhir(urutan_tahap('tahap')) }} as is_tahap_akhir
    from {{ ref('int_anggaran_summed_to_akun') }}

),

-- The phases a figure of this mart comes from: murni, perubahan and the final one (an
-- intermediate pergeseran adds no line and no lineage).
anggaran as (

    select * from anggaran_semua_tahap
    where tahap in ('murni', 'perubahan') or is_tahap_akhir

),

realisasi as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        nilai_rp,
        sumber_sha256
    from {{ ref('int_sp2d_recognised_as_belanja') }}

),

opd_tahap_akhir as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        max(tahap) filter (where is_tahap_akhir) as tahap_akhir,
        bool_or(tahap = 'perubahan') as ada_perubahan
    from anggaran
    group by kode_pemda, tahun, kode_skpd

),

ditumpuk as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        case when tahap = 'murni' then pagu_rp else 0 end as pagu_murni_rp,
        case when tahap = 'perubahan' then pagu_rp else 0 end as pagu_perubahan_rp,
        case when is_tahap_akhir then pagu_rp else 0 end as pagu_akhir_rp,
        0 as realisasi_rp,
        0 as jumlah_sp2d
    from anggaran

    union all

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        0 as pagu_murni_rp,
        0 as pagu_perubahan_rp,
        0 as pagu_akhir_rp,
        nilai_rp as realisasi_rp,
        1 as jumlah_sp2d
    from realisasi

),

per_baris as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        cast(sum(pagu_murni_rp) as decimal(18, 2)) as pagu_murni_rp,
        cast(sum(pagu_perubahan_rp) as decimal(18, 2)) as pagu_perubahan_rp,
        cast(sum(pagu_akhir_rp) as decimal(18, 2)) as pagu_akhir_rp,
        cast(sum(realisasi_rp) as decimal(18, 2)) as realisasi_rp,
        cast(sum(jumlah_sp2d) as integer) as jumlah_sp2d
    from ditumpuk
    group by
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana

),

sumber as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        {{ sumber_sha256_unnest('sumber_sha256') }} as sumber_sha256
    from anggaran

    union all

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        sumber_sha256
    from realisasi

),

sumber_per_baris as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        {{ sumber_sha256_agg('sumber_sha256') }} as sumber_sha256
    from sumber
    group by
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana

),

dengan_tahap as (

    select
        per_baris.*,
        coalesce(opd_tahap_akhir.ada_perubahan, false) as ada_perubahan,
        coalesce(opd_tahap_akhir.tahap_akhir, 'murni') as tahap_akhir
    from per_baris
    left join opd_tahap_akhir
        on
            per_baris.kode_pemda = opd_tahap_akhir.kode_pemda
            and per_baris.tahun = opd_tahap_akhir.tahun
            and per_baris.kode_skpd = opd_tahap_akhir.kode_skpd

),

final as (

    select
        cast(baris.kode_pemda as varchar) as kode_pemda,
        cast(baris.tahun as integer) as tahun,
        cast(baris.kode_skpd as varchar) as kode_skpd,
        cast(opd.nama_skpd as varchar) as nama_skpd,
        cast(sub_kegiatan.kode_urusan as varchar) as kode_urusan,
        cast(sub_kegiatan.nama_urusan as varchar) as nama_urusan,
        cast(sub_kegiatan.kode_bidang_urusan as varchar) as kode_bidang_urusan,
        cast(sub_kegiatan.nama_bidang_urusan as varchar) as nama_bidang_urusan,
        cast(sub_kegiatan.kode_program as varchar) as kode_program,
        cast(sub_kegiatan.nama_program as varchar) as nama_program,
        cast(sub_kegiatan.kode_kegiatan as varchar) as kode_kegiatan,
        cast(sub_kegiatan.nama_kegiatan as varchar) as nama_kegiatan,
        cast(baris.kode_sub_kegiatan as varchar) as kode_sub_kegiatan,
        cast(sub_kegiatan.nama_sub_kegiatan as varchar) as nama_sub_kegiatan,
        cast(sub_kegiatan.kode_fungsi as varchar) as kode_fungsi,
        cast(sub_kegiatan.nama_fungsi as varchar) as nama_fungsi,
        cast(akun.kode_akun_1 as varchar) as kode_akun_1,
        cast(akun.nama_akun_1 as varchar) as nama_akun_1,
        cast(akun.kode_akun_2 as varchar) as kode_akun_2,
        cast(akun.nama_akun_2 as varchar) as nama_akun_2,
        cast(akun.kode_akun_3 as varchar) as kode_akun_3,
        cast(akun.nama_akun_3 as varchar) as nama_akun_3,
        cast(akun.kode_akun_4 as varchar) as kode_akun_4,
        cast(akun.nama_akun_4 as varchar) as nama_akun_4,
        cast(baris.kode_akun as varchar) as kode_akun,
        cast(akun.nama_akun as varchar) as nama_akun,
        cast(baris.kode_sumber_dana as varchar) as kode_sumber_dana,
        cast(sumber_dana.nama_sumber_dana as varchar) as nama_sumber_dana,
        cast(baris.tahap_akhir as varchar) as tahap_akhir,
        cast(baris.pagu_murni_rp as decimal(18, 2)) as pagu_murni_rp,
        cast(
            case when baris.ada_perubahan then baris.pagu_perubahan_rp end as decimal(18, 2)
        ) as pagu_perubahan_rp,
        cast(baris.pagu_akhir_rp as decimal(18, 2)) as pagu_akhir_rp,
        cast(baris.realisasi_rp as decimal(18, 2)) as realisasi_rp,
        cast(baris.pagu_akhir_rp - baris.realisasi_rp as decimal(18, 2)) as sisa_pagu_rp,
        {{ persen_half_up('baris.realisasi_rp', 'baris.pagu_akhir_rp') }} as serapan_persen,
        baris.realisasi_rp > baris.pagu_akhir_rp as melebihi_pagu,
        cast(baris.jumlah_sp2d as integer) as jumlah_sp2d,
        cast(sumber.sumber_sha256 as varchar) as sumber_sha256
    from dengan_tahap as baris
    left join sumber_per_baris as sumber
        on
            baris.kode_pemda = sumber.kode_pemda
            and baris.tahun = sumber.tahun
            and baris.kode_skpd = sumber.kode_skpd
            and baris.kode_sub_kegiatan = sumber.kode_sub_kegiatan
            and baris.kode_akun = sumber.kode_akun
            and baris.kode_sumber_dana = sumber.kode_sumber_dana
    left join {{ ref('int_opd_resolved') }} as opd
        on
            baris.kode_pemda = opd.kode_pemda
            and baris.kode_skpd = opd.kode_skpd
            and {{ berlaku_pada('baris.tahun', 'opd') }}
    left join {{ ref('int_sub_kegiatan_named') }} as sub_kegiatan
        on
            baris.tahun = sub_kegiatan.tahun
            and baris.kode_sub_kegiatan = sub_kegiatan.kode_sub_kegiatan
    left join {{ ref('int_akun_resolved') }} as akun
        on
            baris.tahun = akun.tahun
            and baris.kode_akun = akun.kode_akun
    left join {{ ref('int_sumber_dana_resolved') }} as sumber_dana
        on baris.kode_sumber_dana = sumber_dana.kode_sumber_dana

)

select * from final
