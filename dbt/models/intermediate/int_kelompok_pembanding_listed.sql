{#- Every kab/kota's peers, one row per pemda, peer group and peer (the pemda itself included):
    the groups are rules kept as data (ref_kelompok_pembanding: same kind, island, province,
    population band from ref_pita_penduduk, fiscal-capacity band from ref_pita_kapasitas_fiskal on
    planned revenue per capita of the latest year in DJPK's file), so a planner sees exactly whom a
    figure is compared with. A pemda with no APBD in DJPK's file has no fiscal band and no
    fiscal-capacity peers. -#}
with

pendapatan_terakhir as (

    select
        kode_djpk,
        pendapatan_rp
    from {{ ref('int_apbd_pemda_summed_to_kelompok') }}
    qualify row_number() over (partition by kode_djpk order by tahun desc) = 1

),

pemda as (

    select
        pemda.kode_pemda,
        pemda.nama_pemda,
        pemda.jenis,
        pemda.kode_provinsi,
        pemda.pulau,
        pita.kode_pita,
        fiskal.kode_pita as kode_pita_fiskal
    from {{ ref('ref_pemda') }} as pemda
    left join {{ ref('ref_pita_penduduk') }} as pita
        on pemda.penduduk >= pita.batas_bawah and pemda.penduduk < pita.batas_atas
    left join pendapatan_terakhir
        on pemda.kode_djpk = pendapatan_terakhir.kode_djpk
    left join {{ ref('ref_pita_kapasitas_fiskal') }} as fiskal
        on
            pendapatan_terakhir.pendapatan_rp / pemda.penduduk >= fiskal.batas_bawah_rp
            and pendapatan_terakhir.pendapatan_rp / pemda.penduduk < fiskal.batas_atas_rp
    where pemda.jenis in ('kabupaten', 'kota') and pemda.kode_djpk is not null

),

kelompok as (

    select * from {{ ref('ref_kelompok_pembanding') }}

)

select
    diri.kode_pemda,
    diri.nama_pemda,
    kelompok.kode_kelompok,
    kelompok.nama_kelompok,
    lain.kode_pemda as kode_pemda_pembanding,
    lain.nama_pemda as nama_pemda_pembanding
from pemda as diri
cross join kelompok
inner join pemda as lain
    on
        (not kelompok.sama_jenis or diri.jenis = lain.jenis)
        and (not kelompok.sama_pulau or diri.pulau = lain.pulau)
        and (not kelompok.sama_provinsi or diri.kode_provinsi = lain.kode_provinsi)
        and (not kelompok.sama_pita_penduduk or diri.kode_pita = lain.kode_pita)
        and (not kelompok.sama_pita_fiskal or diri.kode_pita_fiskal = lain.kode_pita_fiskal)
