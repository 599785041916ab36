"""Issue 14 §3 and §4 on the shared demo: the review list (mart_anomali) finds what the demo
planted, kind by kind, and the year-end forecast (mart_proyeksi_serapan) follows its stated rule.
The SP2D recipient's NPWP is pseudonymised at ingest for individuals and kept for companies.

Read-only on `published_demo` (no pipeline run of its own); the ingest checks use a tmp folder."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.demo import anomali
from dagster_project.lib.ingest.loader import ingest_source

SP2D = source_contracts()["bpkad.sp2d"]
KINDS = anomali.KINDS


@pytest.fixture(scope="module")
def mart(published_demo):
    with duckdb.connect(str(published_demo.published_db), read_only=True) as con:
        daftar = con.sql("select * from marts.mart_anomali").pl().to_dicts()
        proyeksi = con.sql("select * from marts.mart_proyeksi_serapan").pl()
        aturan = dict(
            con.execute(
                "select kode_parameter, nilai from reference.ref_aturan_proyeksi"
            ).fetchall()
        )
        akhir = con.sql(
            """select tahun, kode_skpd, kode_program, sum(realisasi_rp) as realisasi_rp
            from marts.mart_anggaran_realisasi group by all"""
        ).pl()
    manifest = json.loads((published_demo.landing / "_manifest.json").read_text("utf-8"))
    return daftar, proyeksi, aturan, akhir, manifest


def test_review_list_finds_each_planted_kind(mart):
    rows, _, _, _, manifest = mart
    truth = manifest["kebenaran"]["anomali"]
    scores = anomali.skor(rows, truth)
    for kind, (n_rows, n_planted, precision, recall) in scores.items():
        assert n_planted >= 6, kind
        assert precision >= 0.9 and recall >= 0.9, (kind, n_rows, n_planted, precision, recall)
    # Every row is a review item with its evidence, never an accusation.
    assert all(r["alasan"].startswith("Untuk ditelaah: ") for r in rows)
    assert all(r["dasar"] for r in rows)
    payments = [r for r in rows if r["kode_aturan"] in KINDS[:4]]
    assert all(r["nomor_sp2d"] for r in payments)
    lines = [r for r in rows if r["kode_aturan"] in KINDS[4:]]
    assert all(r["kunci_rincian"] for r in lines)
    # A person is never named: only a pseudonym prefix; a company by its name and NPWP.
    named = [r["penerima"] for r in rows if r["penerima"]]
    assert named and all(
        p.startswith("orang pribadi (samaran ") or re.search(r"\(NPWP 0\d{15}\)$", p) for p in named
    )


def test_planted_payments_are_ordinary_sp2d_so_the_totals_still_reconcile(mart, published_demo):
    _, _, _, _, manifest = mart
    with duckdb.connect(str(published_demo.published_db), read_only=True) as con:
        for tahun, totals in manifest["totals"].items():
            (mart_total,) = con.execute(
                "select sum(realisasi_rp) from marts.mart_anggaran_realisasi where tahun = ?",
                [int(tahun)],
            ).fetchone()
            assert mart_total == Decimal(totals["realisasi"])


def test_forecast_follows_its_rule(mart):
    _, proyeksi, aturan, akhir, _ = mart
    assert proyeksi.height > 0
    assert set(proyeksi["metode_proyeksi"]) >= {"profil_kota", "rencana_kas", "realisasi_akhir"}
    # The first year has no earlier year: the cash plan; later years read the profile.
    first = proyeksi.filter(
        pl.col("tahun") == proyeksi["tahun"].min(), pl.col("bulan_proyeksi") < 12
    )
    assert set(first["metode_proyeksi"]) == {"rencana_kas"}
    profil = proyeksi.filter(pl.col("metode_proyeksi").str.starts_with("profil_"))
    assert profil.height > 0
    # Forecast = realisation to date + the rest of the cash plan x the profile's laju (capped at
    # the pagu), within its range.
    for r in profil.head(200).iter_rows(named=True):
        laju = r["laju_rencana_kas_persen"] / 100  # rounded to 0.01 %
        cap = max(r["pagu_akhir_rp"], r["realisasi_kumulatif_rp"])
        expected = min(r["realisasi_kumulatif_rp"] + r["sisa_rencana_kas_rp"] * max(laju, 0), cap)
        slack = r["sisa_rencana_kas_rp"] * Decimal("0.0001") + 1
        assert abs(r["proyeksi_realisasi_rp"] - expected) <= slack
        if r["proyeksi_serapan_persen"] is not None:
            assert r["proyeksi_serapan_bawah_persen"] <= r["proyeksi_serapan_persen"]
            assert r["proyeksi_serapan_persen"] <= r["proyeksi_serapan_atas_persen"]
        assert "proyeksi akhir tahun" in r["alasan"] and "rentang" in r["alasan"]
    # December is what was paid: the forecast equals the year's realisation per program.
    dec = proyeksi.filter(pl.col("bulan_proyeksi") == 12).join(
        akhir, on=["tahun", "kode_skpd", "kode_program"]
    )
    assert dec.height > 0
    assert (dec["proyeksi_realisasi_rp"] == dec["realisasi_rp"]).all()
    # Flags follow the thresholds kept in the seed.
    low = Decimal(aturan["ambang_serapan_rendah_persen"])
    rows = proyeksi.filter(pl.col("proyeksi_serapan_persen").is_not_null())
    assert (rows["is_di_bawah_ambang"] == (rows["proyeksi_serapan_persen"] < low)).all()
    bunch = Decimal(aturan["ambang_porsi_desember_persen"])
    rows = proyeksi.filter(pl.col("porsi_desember_persen").is_not_null())
    assert (rows["is_menumpuk_desember"] == (rows["porsi_desember_persen"] > bunch)).all()
    assert rows["is_menumpuk_desember"].any() and proyeksi["is_di_bawah_ambang"].any()


def test_forecast_range_is_the_programs_own_spread(mart):
    """The range is the forecast with the kuantil_rentang and 1 - kuantil_rentang quantiles of the
    programs' own laju in the earlier complete years after the same month, recomputed here from
    the mart's own rows (what each program still had to pay and what it paid by December), and
    every range holds its forecast."""
    _, proyeksi, aturan, _, _ = mart
    rows = proyeksi.filter(pl.col("proyeksi_serapan_persen").is_not_null())
    outside = rows.filter(
        (pl.col("proyeksi_serapan_persen") < pl.col("proyeksi_serapan_bawah_persen"))
        | (pl.col("proyeksi_serapan_persen") > pl.col("proyeksi_serapan_atas_persen"))
    )
    assert outside.height == 0, outside.head(5)
    key = ["tahun", "kode_skpd", "kode_program"]
    complete = proyeksi.group_by("tahun").agg(pl.col("bulan_proyeksi").max().alias("akhir"))
    complete = complete.filter(pl.col("akhir") == 12)["tahun"].to_list()
    december = proyeksi.filter(pl.col("bulan_proyeksi") == 12).select(
        *key, pl.col("realisasi_kumulatif_rp").alias("desember")
    )
    laju = (
        proyeksi.filter(pl.col("tahun").is_in(complete), pl.col("bulan_proyeksi") < 12)
        .join(december, on=key)
        .filter(pl.col("desember") > 0, pl.col("sisa_rencana_kas_rp") > 0)
        .select(
            "tahun",
            "bulan_proyeksi",
            # in floats: polars' Decimal division rounds the quotient to the operands' scale
            laju=(pl.col("desember") - pl.col("realisasi_kumulatif_rp")).cast(pl.Float64)
            / pl.col("sisa_rencana_kas_rp").cast(pl.Float64),
        )
    )
    q = float(aturan["kuantil_rentang"])
    checked = 0
    for r in rows.filter(pl.col("metode_proyeksi").str.starts_with("profil_")).iter_rows(
        named=True
    ):
        earlier = laju.filter(
            pl.col("tahun") < r["tahun"], pl.col("bulan_proyeksi") == r["bulan_proyeksi"]
        )["laju"]
        lo, hi = earlier.quantile(q, "linear"), earlier.quantile(1 - q, "linear")
        pagu, paid, rest = (
            float(r[c]) for c in ("pagu_akhir_rp", "realisasi_kumulatif_rp", "sisa_rencana_kas_rp")
        )
        cap, used = max(pagu, paid), float(r["laju_rencana_kas_persen"]) / 100
        for bound, column in (
            (lo, "proyeksi_serapan_bawah_persen"),
            (hi, "proyeksi_serapan_atas_persen"),
        ):
            if abs(bound - used) < 0.001:
                continue  # the bound is the forecast itself (or too close to tell after rounding)
            if (bound < used) != (column.endswith("bawah_persen")):
                continue  # the quantile lies on the forecast's wrong side: the forecast bounds it
            expected = 100 * min(paid + rest * max(bound, 0), cap) / pagu
            assert abs(float(r[column]) - expected) < 0.011, (r, column, expected)
            checked += 1
    assert checked > 100


# ---------------------------------------------------------------------------------------------
# The recipient at ingest (tmp folder, no pipeline)

HEADER = (
    "nomor_sp2d,tanggal_sp2d,kode_skpd,kode_sub_kegiatan,kode_akun,kode_sumber_dana,"
    "jenis_sp2d,nilai_rp,nama_penerima,npwp_penerima"
)
TAIL = "1.02.0.00.0.00.01.0000,1.02.02.2.02.0004,5.1.02.01.01.0024,1.02.01.01.02,LS"
NIK = "6472014501850001"
ROWS = [
    f"0001/SP2D/LS/2024,02/12/2024,{TAIL},1000000,CV Mahakam Jaya,01.234.567.8-722.000",
    f"0002/SP2D/LS/2024,03/12/2024,{TAIL},2000000,PT Borneo Persada,0029876543722000",
    f"0003/SP2D/LS/2024,04/12/2024,{TAIL},3000000,Siti Aminah,{NIK}",
    f"0004/SP2D/LS/2024,05/12/2024,{TAIL},4000000,Bendahara Pengeluaran Dinkes,00.111.222.3-722.000",
    f"0005/SP2D/LS/2024,06/12/2024,{TAIL},5000000,Budi Santoso,07.654.321.0-722.000",
    f"0006/SP2D/LS/2024,09/12/2024,{TAIL},6000000,Rina Wijaya,647202120370",
    f"0007/SP2D/LS/2024,10/12/2024,{TAIL},7000000,Excel Rusak,6.47201E+15",
    f"0008/SP2D/LS/2024,11/12/2024,{TAIL},8000000,,",
]


def test_npwp_of_a_person_is_pseudonymised_and_a_company_stays_clear(data_paths):
    target = data_paths.landing / "bpkad" / "sp2d" / "2024" / "sp2d_2024_12.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    (outcome,) = ingest_source(SP2D, data_paths)
    assert outcome.rows_loaded == 6 and outcome.rows_quarantined == 2
    raw = pl.concat(pl.read_parquet(f) for f in data_paths.raw.glob("bpkad/**/*.parquet"))
    got = dict(
        zip(
            raw["nomor_sp2d"],
            zip(raw["kode_penerima"], raw["nama_penerima"], strict=True),
            strict=True,
        )
    )
    assert got["0001/SP2D/LS/2024"] == ("0012345678722000", "CV Mahakam Jaya")  # old mask, 0 + 15
    assert got["0002/SP2D/LS/2024"] == ("0029876543722000", "PT Borneo Persada")
    assert got["0004/SP2D/LS/2024"] == ("0001112223722000", "Bendahara Pengeluaran Dinkes")
    for nomor in ("0003/SP2D/LS/2024", "0005/SP2D/LS/2024"):  # a NIK; an old individual NPWP
        kode, nama = got[nomor]
        assert re.fullmatch(r"[0-9a-f]{64}", kode) and nama is None
    assert got["0008/SP2D/LS/2024"] == (None, None)  # older exports have no recipient
    assert "npwp_penerima" not in raw.columns
    # The OPD is told what to fix, in Indonesian, without a digit of the number sent.
    reasons = outcome.errors.filter(pl.col("kolom") == "npwp_penerima")["alasan"].to_list()
    assert len(reasons) == 2
    assert any("NPWP penerima harus 16 angka" in r and "12 karakter" in r for r in reasons)
    assert any("angka ilmiah Excel" in r for r in reasons)
    # Nothing written holds a NIK, the individual's old NPWP or a person's name.
    secrets = {NIK, "076543210722000", "647202120370", "Siti Aminah", "Budi Santoso", "Rina Wijaya"}
    written = [f for f in (data_paths.raw, data_paths.quarantine) for f in f.rglob("*.parquet")]
    for f in written:
        frame = pl.read_parquet(f)
        texts = {str(v) for c in frame.columns for v in frame[c].drop_nulls().to_list()}
        flat = " ".join(texts).replace(".", "").replace("-", "")
        assert not [s for s in secrets if s in flat], f
