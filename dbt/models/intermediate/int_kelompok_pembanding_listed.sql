{#- Every kab/kota's peers, one row per pemda, peer group and peer (the pemda itself included):
    the groups are rules kept as data (ref_kelompok_pembanding: same kind, island, province,
    population band from ref_pita_penduduk), so a planner sees exactly whom a figure is compared
    with. -#}
with

pemda as (

    select
        pemda.kode_pemda,
        pemda.nama_pemda,
        pemda.jenis,
        pemda.kode_provinsi,
        pemda.pulau,
        pita.kode_pita
    from {{ ref('ref_pemda') }} as pemda
    left join {{ ref('ref_pita_penduduk') }} as pita
        on pemda.penduduk >= pita.batas_bawah and pemda.penduduk < pita.batas_atas
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
