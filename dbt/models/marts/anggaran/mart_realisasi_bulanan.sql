{#- One row per fiscal year x month x OPD x sub kegiatan x account (all twelve months of every
    line): the cash plan of the final phase against realisation, month by month and cumulative,
    for absorption curves. The final phase and pagu come from mart_anggaran_realisasi, so both
    marts apply one phase rule; lines are summed over funding sources (the cash plan has none). -#}
with

anggaran_realisasi as (

    select * from {{ ref('int_anggaran_realisasi_joined') }}

),

opd_tahap_akhir as (

    select distinct
        kode_pemda,
        tahun,
        kode_skpd,
        tahap_akhir
    from anggaran_realisasi

),

pagu as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        cast(sum(pagu_akhir_rp) as decimal(18, 2)) as pagu_akhir_rp
    from anggaran_realisasi
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan, kode_akun

),

kas as (

    select
        kas.kode_pemda,
        kas.tahun,
        kas.kode_skpd,
        kas.kode_sub_kegiatan,
        kas.kode_akun,
        kas.bulan,
        kas.rencana_rp,
        kas.sumber_sha256
    from {{ ref('fct_anggaran_kas') }} as kas
    left join opd_tahap_akhir
        on
            kas.kode_pemda = opd_tahap_akhir.kode_pemda
            and kas.tahun = opd_tahap_akhir.tahun
            and kas.kode_skpd = opd_tahap_akhir.kode_skpd
    where kas.tahap = coalesce(opd_tahap_akhir.tahap_akhir, 'murni')

),

realisasi as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        bulan,
        cast(sum(nilai_rp) as decimal(18, 2)) as realisasi_rp
    from {{ ref('fct_realisasi') }}
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan, kode_akun, bulan

),

baris as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun
    from pagu
    union
    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun
    from kas

),

bulan as (

    select daftar_bulan.bulan
    from (
        values (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12)
    ) as daftar_bulan (bulan)

),

sumber as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        {{ sumber_sha256_unnest('sumber_sha256') }} as sumber_sha256
    from anggaran_realisasi

    union all

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        sumber_sha256
    from kas

),

sumber_per_baris as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        {{ sumber_sha256_agg('sumber_sha256') }} as sumber_sha256
    from sumber
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan, kode_akun

),

per_bulan as (

    select
        baris.kode_pemda,
        baris.tahun,
        bulan.bulan,
        baris.kode_skpd,
        baris.kode_sub_kegiatan,
        baris.kode_akun,
        coalesce(opd_tahap_akhir.tahap_akhir, 'murni') as tahap_akhir,
        coalesce(pagu.pagu_akhir_rp, 0) as pagu_akhir_rp,
        coalesce(kas.rencana_rp, 0) as rencana_kas_rp,
        coalesce(realisasi.realisasi_rp, 0) as realisasi_rp
    from baris
    cross join bulan
    left join opd_tahap_akhir
        on
            baris.kode_pemda = opd_tahap_akhir.kode_pemda
            and baris.tahun = opd_tahap_akhir.tahun
            and baris.kode_skpd = opd_tahap_akhir.kode_skpd
    left join pagu
        on
            baris.kode_pemda = pagu.kode_pemda
            and baris.tahun = pagu.tahun
            and baris.kode_skpd = pagu.kode_skpd
            and baris.kode_sub_kegiatan = pagu.kode_sub_kegiatan
            and baris.kode_akun = pagu.kode_akun
    left join kas
        on
            baris.kode_pemda = kas.kode_pemda
            and baris.tahun = kas.tahun
            and baris.kode_skpd = kas.kode_skpd
            and baris.kode_sub_kegiatan = kas.kode_sub_kegiatan
            and baris.kode_akun = kas.kode_akun
            and bulan.bulan = kas.bulan
    left join realisasi
        on
            baris.kode_pemda = realisasi.kode_pemda
            and baris.tahun = realisasi.tahun
            and baris.kode_skpd = realisasi.kode_skpd
            and baris.kode_sub_kegiatan = realisasi.kode_sub_kegiatan
            and baris.kode_akun = realisasi.kode_akun
            and bulan.bulan = realisasi.bulan

),

kumulatif as (

    select
        *,
        sum(rencana_kas_rp) over (
            partition by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan, kode_akun
            order by bulan
            rows between unbounded preceding and current row
        ) as rencana_kas_kumulatif_rp,
        sum(realisasi_rp) over (
            partition by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan, kode_akun
            order by bulan
            rows between unbounded preceding and current row
        ) as realisasi_kumulatif_rp
    from per_bulan

),

final as (

    select
        cast(kumulatif.kode_pemda as varchar) as kode_pemda,
        cast(kumulatif.tahun as integer) as tahun,
        cast(kumulatif.bulan as integer) as bulan,
        cast(kumulatif.kode_skpd as varchar) as kode_skpd,
        cast(opd.nama_skpd as varchar) as nama_skpd,
        cast(kumulatif.kode_sub_kegiatan as varchar) as kode_sub_kegiatan,
        cast(sub_kegiatan.nama_sub_kegiatan as varchar) as nama_sub_kegiatan,
        cast(kumulatif.kode_akun as varchar) as kode_akun,
        cast(akun.nama_akun as varchar) as nama_akun,
        cast(kumulatif.tahap_akhir as varchar) as tahap_akhir,
        cast(kumulatif.pagu_akhir_rp as decimal(18, 2)) as pagu_akhir_rp,
        cast(kumulatif.rencana_kas_rp as decimal(18, 2)) as rencana_kas_rp,
        cast(kumulatif.realisasi_rp as decimal(18, 2)) as realisasi_rp,
        cast(kumulatif.rencana_kas_kumulatif_rp as decimal(18, 2)) as rencana_kas_kumulatif_rp,
        cast(kumulatif.realisasi_kumulatif_rp as decimal(18, 2)) as realisasi_kumulatif_rp,
        {{ persen_half_up('kumulatif.rencana_kas_kumulatif_rp', 'kumulatif.pagu_akhir_rp') }}
            as rencana_kas_kumulatif_persen,
        {{ persen_half_up('kumulatif.realisasi_kumulatif_rp', 'kumulatif.pagu_akhir_rp') }}
            as serapan_kumulatif_persen,
        cast(sumber.sumber_sha256 as varchar) as sumber_sha256
    from kumulatif
    left join sumber_per_baris as sumber
        on
            kumulatif.kode_pemda = sumber.kode_pemda
            and kumulatif.tahun = sumber.tahun
            and kumulatif.kode_skpd = sumber.kode_skpd
            and kumulatif.kode_sub_kegiatan = sumber.kode_sub_kegiatan
            and kumulatif.kode_akun = sumber.kode_akun
    left join {{ ref('dim_opd') }} as opd
        on
            kumulatif.kode_pemda = opd.kode_pemda
            and kumulatif.kode_skpd = opd.kode_skpd
            and {{ berlaku_pada('kumulatif.tahun', 'opd') }}
    left join {{ ref('dim_sub_kegiatan') }} as sub_kegiatan
        on
            kumulatif.tahun = sub_kegiatan.tahun
            and kumulatif.kode_sub_kegiatan = sub_kegiatan.kode_sub_kegiatan
    left join {{ ref('dim_akun') }} as akun
        on
            kumulatif.tahun = akun.tahun
            and kumulatif.kode_akun = akun.kode_akun

)

select * from final
