-- ref_satuan: every spelling of one canonical unit says the same thing about whether its cost
-- per unit is comparable across agencies. Returns each kode_satuan with mixed flags.
select
    kode_satuan,
    count(distinct biaya_per_unit_sebanding) as jumlah_nilai
from {{ ref('ref_satuan') }}
group by kode_satuan
having count(distinct biaya_per_unit_sebanding) > 1
