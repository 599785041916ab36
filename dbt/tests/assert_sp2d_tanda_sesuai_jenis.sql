-- Every SP2D, refund and correction has the sign its type allows in reference.ref_jenis_sp2d
-- (SP2D positive, PENGEMBALIAN negative, KOREKSI not zero) and a known type. Returns the rows
-- that break it; ingest quarantines them, so a row here means the rule and the data disagree.
with

sp2d as (

    select
        nomor_sp2d,
        jenis_sp2d,
        nilai_rp
    from {{ ref('stg_bpkad__sp2d') }}

),

jenis as (

    select
        cast(jenis_sp2d as varchar) as jenis_sp2d,
        cast(tanda as varchar) as tanda
    from {{ ref('ref_jenis_sp2d') }}

)

select
    sp2d.nomor_sp2d,
    sp2d.jenis_sp2d,
    sp2d.nilai_rp,
    jenis.tanda
from sp2d
left join jenis
    on sp2d.jenis_sp2d = jenis.jenis_sp2d
where
    jenis.tanda is null
    or (jenis.tanda = 'positif' and sp2d.nilai_rp <= 0)
    or (jenis.tanda = 'negatif' and sp2d.nilai_rp >= 0)
    or (jenis.tanda = 'bukan_nol' and sp2d.nilai_rp = 0)
