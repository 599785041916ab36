{#- One row per fiscal year x OPD x sub kegiatan: how much of its final pagu and realisation is of
    a kind outside the evidence tiers (BTT 5.3, transfers 5.4: ref_belanja_bukti.dinilai_tier),
    its dominant kind of spending (the kind holding the largest realisation, or pagu when nothing
    is paid yet) and that kind's outcome lag (jeda_dampak_tahun: belanja modal is judged on the
    outcome change a year after it is spent). Accounts map to a kind by the longest matching
    prefix of ref_belanja_bukti.kode_akun_awal. -#}
with

jenis as (

    select
        cast(kode_akun_awal as varchar) as kode_akun_awal,
        cast(jenis_belanja as varchar) as jenis_belanja,
        cast(jeda_dampak_tahun as integer) as jeda_dampak_tahun,
        cast(dinilai_tier as boolean) as dinilai_tier
    from {{ ref('ref_belanja_bukti') }}

),

akun as (

    select
        baris.kode_pemda,
        baris.tahun,
        baris.kode_skpd,
        baris.kode_sub_kegiatan,
        baris.kode_akun,
        baris.pagu_akhir_rp,
        baris.realisasi_rp,
        arg_max(jenis.jenis_belanja, length(jenis.kode_akun_awal)) as jenis_belanja,
        arg_max(jenis.jeda_dampak_tahun, length(jenis.kode_akun_awal)) as jeda_dampak_tahun,
        coalesce(arg_max(jenis.dinilai_tier, length(jenis.kode_akun_awal)), true) as dinilai_tier
    from {{ ref('int_anggaran_realisasi_joined') }} as baris
    left join jenis
        on starts_with(baris.kode_akun, jenis.kode_akun_awal || '.')
    group by
        baris.kode_pemda,
        baris.tahun,
        baris.kode_skpd,
        baris.kode_sub_kegiatan,
        baris.kode_akun,
        baris.pagu_akhir_rp,
        baris.realisasi_rp

),

per_jenis as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        jenis_belanja,
        jeda_dampak_tahun,
        dinilai_tier,
        sum(pagu_akhir_rp) as pagu_akhir_rp,
        sum(realisasi_rp) as realisasi_rp
    from akun
    group by all

),

final as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        cast(coalesce(sum(pagu_akhir_rp) filter (where not dinilai_tier), 0) as decimal(18, 2))
            as pagu_tanpa_tier_rp,
        cast(coalesce(sum(realisasi_rp) filter (where not dinilai_tier), 0) as decimal(18, 2))
            as realisasi_tanpa_tier_rp,
        coalesce(sum(pagu_akhir_rp) filter (where dinilai_tier), 0) = 0
        and coalesce(sum(realisasi_rp) filter (where dinilai_tier), 0) = 0 as tanpa_tier,
        arg_max(jenis_belanja, (realisasi_rp, pagu_akhir_rp)) as jenis_belanja_utama,
        arg_max(jeda_dampak_tahun, (realisasi_rp, pagu_akhir_rp)) as jeda_dampak_tahun,
        string_agg(distinct jenis_belanja, ', ' order by jenis_belanja) filter (
            where not dinilai_tier
        ) as jenis_tanpa_tier
    from per_jenis
    group by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan

)

select * from final
