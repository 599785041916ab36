{#- One row per saved allocation scenario x OPD x program: the proposal of `apbd scenario`
    (dagster_project/lib/scenario.py), shipped with the published mart so planners can query and
    compare scenarios. Column order as in the contract. -#}
with

skenario as (

    select * from {{ ref('stg_skenario__alokasi') }}

),

final as (

    select
        id_skenario,
        tahun,
        tahun_dasar,
        kode_skpd,
        nama_skpd,
        kode_program,
        nama_program,
        kode_fungsi,
        tier,
        dilindungi,
        pagu_dasar_rp,
        belanja_pegawai_rp,
        pagu_usulan_rp,
        perubahan_rp,
        perubahan_persen,
        infrastruktur_usulan_rp,
        pagu_total_rp,
        alasan
    from skenario

)

select * from final
