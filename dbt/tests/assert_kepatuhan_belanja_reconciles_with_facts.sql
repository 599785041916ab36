-- Per fiscal year x phase: total belanja in mart_kepatuhan_belanja (every rule row) and the sum
-- of mart_kepatuhan_belanja_program equal the facts: the budget position at that phase
-- (int_anggaran_carried_to_tahap) or, for realisasi, the SP2D total. Returns each mismatch.
with

fakta as (

    select
        kode_pemda,
        tahun,
        tahap,
        sum(pagu_rp) as total_rp
    from {{ ref('int_anggaran_carried_to_tahap') }}
    where kode_akun like '5.%'
    group by kode_pemda, tahun, tahap

    union all

    select
        kode_pemda,
        tahun,
        'realisasi' as tahap,
        sum(nilai_rp) as total_rp
    from {{ ref('fct_realisasi') }}
    where kode_akun like '5.%'
    group by kode_pemda, tahun

),

program as (

    select
        kode_pemda,
        tahun,
        tahap,
        sum(total_belanja_rp) as total_rp
    from {{ ref('mart_kepatuhan_belanja_program') }}
    group by kode_pemda, tahun, tahap

),

kota as (

    select
        kode_pemda,
        tahun,
        tahap,
        min(total_belanja_rp) as total_min_rp,
        max(total_belanja_rp) as total_max_rp
    from {{ ref('mart_kepatuhan_belanja') }}
    group by kode_pemda, tahun, tahap

)

select
    coalesce(fakta.kode_pemda, program.kode_pemda, kota.kode_pemda) as kode_pemda,
    coalesce(fakta.tahun, program.tahun, kota.tahun) as tahun,
    coalesce(fakta.tahap, program.tahap, kota.tahap) as tahap,
    fakta.total_rp as fakta_rp,
    program.total_rp as program_rp,
    kota.total_min_rp,
    kota.total_max_rp
from fakta
full outer join program
    on
        fakta.kode_pemda = program.kode_pemda
        and fakta.tahun = program.tahun
        and fakta.tahap = program.tahap
full outer join kota
    on
        coalesce(fakta.kode_pemda, program.kode_pemda) = kota.kode_pemda
        and coalesce(fakta.tahun, program.tahun) = kota.tahun
        and coalesce(fakta.tahap, program.tahap) = kota.tahap
where
    fakta.total_rp is distinct from program.total_rp
    or fakta.total_rp is distinct from kota.total_min_rp
    or fakta.total_rp is distinct from kota.total_max_rp
