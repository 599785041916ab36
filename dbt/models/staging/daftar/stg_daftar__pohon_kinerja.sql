{#- One pemda's own list, every pemda: the performance tree (program to
    outcome indicator). Samarinda's
    (64.72) is the seed ref_pohon_kinerja; another pemda's arrives as data in
    landing/<kode_pemda>/referensi/pohon_kinerja/ (source referensi.pohon_kinerja; absent in a single-city
    deployment, hence source_or_empty). The seed stays the list of its own pemda: rows sent for a
    pemda the seed holds are not read. -#}
with

benih as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(kode_program as varchar) as kode_program,
        cast(kode_indikator as varchar) as kode_indikator,
        cast(dasar_keterkaitan as varchar) as dasar_keterkaitan
    from {{ ref('ref_pohon_kinerja') }}

),

kiriman as (

    select
        cast(kode_pemda as varchar) as kode_pemda,
        cast(kode_program as varchar) as kode_program,
        cast(kode_indikator as varchar) as kode_indikator,
        cast(dasar_keterkaitan as varchar) as dasar_keterkaitan
    from {{ source_or_empty('referensi', 'pohon_kinerja') }}

),

final as (

    select * from benih
    union all
    select kiriman.* from kiriman
    where kiriman.kode_pemda not in (select benih.kode_pemda from benih)

)

select * from final
