{#- One row per allocation scenario x OPD x program: the scenarios `apbd scenario` saved
    (dagster_project/lib/planning/scenario.py) and the default scenario of this build
    (mart_skenario_bawaan), shipped so planners can query and compare them. A saved
    scenario with the default's inputs has its id: it is shipped once. Column order as in the
    contract. -#}
with

semua as (

    select * from {{ ref('mart_skenario_bawaan') }}
    union all by name
    select * from {{ ref('stg_skenario__alokasi') }}

),

skenario as (

    select * from semua
    qualify
        row_number() over (
            partition by kode_pemda, id_skenario, kode_skpd, kode_program order by is_bawaan desc
        ) = 1

),

final as (

    select
        kode_pemda,
        id_skenario,
        tahun,
        is_bawaan,
        tahun_dasar,
        tahap_dasar,
        kode_skpd,
        nama_skpd,
        kode_program,
        nama_program,
        kode_fungsi,
        tier,
        dilindungi,
        pagu_dasar_rp,
        belanja_pegawai_rp,
        terkunci_rp,
        pagu_usulan_rp,
        perubahan_rp,
        perubahan_persen,
        infrastruktur_usulan_rp,
        pagu_total_rp,
        alasan
    from skenario

)

select * from final
