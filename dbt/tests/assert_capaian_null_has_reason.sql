-- fct_kinerja: achievement is null exactly when a reason says why, and it is null whenever the
-- target is 0, text or missing (never a division by zero). Returns every row that breaks this.
select
    kode_pemda,
    tahun,
    triwulan,
    kode_skpd,
    kode_indikator,
    target_angka,
    target_teks,
    realisasi_angka,
    capaian_persen,
    alasan_capaian_kosong
from {{ ref('fct_kinerja') }}
where
    (capaian_persen is null) <> (alasan_capaian_kosong is not null)
    or (coalesce(target_angka, 0) = 0 and capaian_persen is not null)
