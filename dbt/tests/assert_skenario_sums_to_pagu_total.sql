-- Per saved scenario: the proposals sum exactly to the scenario's ceiling, every row carries the
-- same ceiling, and no program is proposed below its committed staff spending. Returns each
-- scenario that breaks one of these.
with

per_skenario as (

    select
        kode_pemda,
        id_skenario,
        sum(pagu_usulan_rp) as jumlah_usulan_rp,
        min(pagu_total_rp) as pagu_total_min_rp,
        max(pagu_total_rp) as pagu_total_max_rp,
        count(*) filter (where pagu_usulan_rp < belanja_pegawai_rp) as di_bawah_pegawai
    from {{ ref('mart_skenario_alokasi') }}
    group by kode_pemda, id_skenario

)

select * from per_skenario
where
    jumlah_usulan_rp != pagu_total_min_rp
    or pagu_total_min_rp != pagu_total_max_rp
    or di_bawah_pegawai > 0
