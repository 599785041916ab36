-- One verdict, one story: a program's tier never contradicts its klasifikasi. Returns the rows
-- that do: A without an effect seen, D without evidence of waste, an effect seen that is C or D,
-- "belum cukup bukti" judged A or D, waste judged A or B (except support programs, always B, and
-- new programs), and a row outside the tiers (BTT, transfers) that still has a tier.
select
    kode_pemda,
    tahun,
    kode_skpd,
    kode_program,
    tier,
    klasifikasi_kinerja
from {{ ref('mart_prioritas_alokasi') }}
where
    (tier = 'A' and klasifikasi_kinerja <> 'efektif')
    or (tier = 'D' and klasifikasi_kinerja not in ('serapan_rendah', 'tidak_efektif'))
    or (klasifikasi_kinerja = 'efektif' and tier in ('C', 'D') and ditier)
    or (klasifikasi_kinerja = 'belum_cukup_bukti' and tier in ('A', 'D'))
    or (
        klasifikasi_kinerja in ('serapan_rendah', 'tidak_efektif')
        and tier in ('A', 'B')
        and not program_penunjang
        and not program_baru
    )
    or (not ditier and tier is not null)
    or (ditier and tier is null)
