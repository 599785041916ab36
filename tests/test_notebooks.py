"""Every notebook runs headless (`marimo export html`, which executes all cells and fails when one
raises) against a freshly published demo mart, reading it read-only. The apps' sections are also
run in process (`app.run()`), which hands back what each cell computed: those are compared with
the mart, and cells are overridden to try another ceiling or a mart with evidence tiers."""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dagster_project.lib.core.fmt import rupiah
from dagster_project.lib.core.paths import PROJECT_ROOT, DataPaths
from dagster_project.lib.planning import scenario as sk
from dagster_project.lib.publish.publisher import open_published, sha256_file

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.py"))


def test_there_are_a_planner_and_a_finance_notebook():
    assert [p.name for p in NOTEBOOKS] == ["01_perencana_alokasi.py", "02_keuangan_serapan.py"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_reads_the_published_mart_only_through_the_read_only_helpers(notebook):
    tree = ast.parse(notebook.read_text(encoding="utf-8"))
    calls = {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    assert not any(c.endswith("duckdb.connect") for c in calls)  # only open_published/read_frame
    assert calls & {"open_published", "read_frame"}
    source = notebook.read_text(encoding="utf-8")
    for schema in ("staging.", "intermediate.", "raw/", "landing"):
        assert schema not in source, schema


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_headless_against_the_published_demo(
    notebook, published_demo, artifacts_dir, tmp_path
):
    out = artifacts_dir / f"{notebook.stem}.html"
    before = sha256_file(published_demo.published_db)
    tree = sorted(notebook.parent.rglob("*"))
    env = {
        **os.environ,
        "APBD_DATA_DIR": str(published_demo.root),
        "MARIMO_SKIP_UPDATE_CHECK": "1",
        # marimo keeps a session cache in __marimo__/ beside the notebook unless Python has a
        # pycache prefix: keep test runs out of the work tree.
        "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache"),
    }
    marimo = Path(sys.executable).with_name("marimo")
    result = subprocess.run(
        [str(marimo), "export", "html", "--no-include-code", str(notebook), "-o", str(out), "-f"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = out.read_text(encoding="utf-8")
    assert "Belum ada mart terbit" not in html
    assert "Traceback" not in html
    assert "Rp" in html and "Serapan" in html
    for section in SECTIONS[notebook.name]:
        assert section in html, section
    assert sha256_file(published_demo.published_db) == before
    assert sorted(notebook.parent.rglob("*")) == tree  # nothing written beside the notebooks


SECTIONS = {
    "01_perencana_alokasi.py": [
        "Kebutuhan dan belanja per kelurahan",
        "59 kelurahan",  # the demo's kelurahan, every year
        "Tingkat bukti per program",
        "Skenario alokasi TA 2026",
        "data-testid='tabel-skenario-opd'",
        "Samarinda di antara pemda pembanding",  # with the peer figures, or saying they are not in
        "Perubahan anggaran baris demi baris",  # issue 14 §1
        "data-testid='tabel-perubahan-anggaran'",
    ],
    "02_keuangan_serapan.py": [
        "Kurva serapan",
        "Belanja terhadap hasil per program",
        "data-testid='grafik-kinerja'",
        "Program bertanda kinerja",
        "Laporan OPD terhadap SP2D (rekonsiliasi)",  # issue 14 §2
        "data-testid='tabel-rekonsiliasi'",
    ],
}


# ---------------------------------------------------------------- the sections, in process


def run_app(notebook: str, data_root: Path, monkeypatch, **defs):
    """Run a notebook's cells in this process against `data_root`; `defs` replace the cells that
    define those names. Returns the text of every output and the cells' definitions."""
    import marimo as mo  # here, not at collection: 0.9 s in each xdist worker

    monkeypatch.setenv("APBD_DATA_DIR", str(data_root))
    spec = importlib.util.spec_from_file_location(Path(notebook).stem, PROJECT_ROOT / notebook)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    outputs, found = module.app.run(defs=defs or None)
    text = " ".join(mo.as_html(o).text for o in outputs if o is not None)
    return text, found


def mart(paths: DataPaths, sql: str, params: dict | None = None) -> list[tuple]:
    with open_published(paths) as con:
        return con.execute(sql, params or {}).fetchall()


def test_planner_shows_every_kelurahan_most_under_served_first(published_demo, monkeypatch):
    text, defs = run_app("notebooks/01_perencana_alokasi.py", published_demo.root, monkeypatch)
    tahun = defs["pilihan"]["tahun"]
    expected = mart(
        published_demo,
        """select nama_wilayah, kesenjangan, kurang_terlayani from marts.mart_kebutuhan_wilayah
        where tahun = $tahun and tingkat_wilayah = 'kelurahan'""",
        {"tahun": tahun},
    )
    kelurahan = defs["kelurahan"]
    assert kelurahan.height == len(expected) == 59
    # a kelurahan whose service could not be measured has no gap: listed last, never ranked
    known = sorted((float(r[1]) for r in expected if r[1] is not None), reverse=True)
    unranked = [None] * sum(1 for r in expected if r[1] is None)
    assert kelurahan["kesenjangan"].to_list() == known + unranked
    kurang = sum(1 for r in expected if r[2])
    assert 0 < kurang == kelurahan["kurang_terlayani"].sum()
    assert f"{kurang} kurang terlayani" in text
    # without an OPD or urusan chosen, 'spend of the choice' is all located spend
    assert kelurahan["belanja_pilihan_per_kapita_rp"].round(2).to_list() == (
        kelurahan["belanja_per_kapita_rp"].round(2).to_list()
    )


def test_planner_kelurahan_spend_follows_the_opd_filter(published_demo, monkeypatch):
    dinkes = "1.02.0.00.0.00.01.0000"
    # the filters as the app's filter cell writes them: always one pemda (issue 12)
    pilihan = {
        "kode_pemda": "64.72",
        "tahun": 2025,
        "opd": [dinkes],
        "urusan": [],
        "menurut": "skpd",
    }
    _, defs = run_app(
        "notebooks/01_perencana_alokasi.py",
        published_demo.root,
        monkeypatch,
        pilihan=pilihan,
        saring="m.kode_pemda = $kode_pemda and m.tahun = $tahun "
        "and list_contains($opd, m.kode_skpd)",
        parameter={"kode_pemda": "64.72", "tahun": 2025, "opd": [dinkes]},
    )
    expected = dict(
        mart(
            published_demo,
            """select w.nama_wilayah, coalesce(sum(f.realisasi_rp), 0) / w.jumlah_penduduk
            from marts.mart_kebutuhan_wilayah as w
            left join marts.fct_belanja_wilayah as f
                on f.kode_wilayah = w.kode_wilayah and f.tahun = w.tahun and f.kode_skpd = $opd
            where w.tahun = 2025 and w.tingkat_wilayah = 'kelurahan'
            group by w.nama_wilayah, w.jumlah_penduduk""",
            {"opd": dinkes},
        )
    )
    got = dict(defs["kelurahan"].select("nama_wilayah", "belanja_pilihan_per_kapita_rp").rows())
    assert got.keys() == expected.keys()
    for nama, nilai in expected.items():
        assert got[nama] == pytest.approx(float(nilai), abs=0.01), nama
    assert sum(got.values()) < defs["kelurahan"]["belanja_per_kapita_rp"].sum()


def test_planner_scenario_is_computed_in_memory_at_the_2026_ceiling(published_demo, monkeypatch):
    scenarios = published_demo.root / "scenarios"
    before = sorted(scenarios.rglob("*")) if scenarios.exists() else None
    text, defs = run_app("notebooks/01_perencana_alokasi.py", published_demo.root, monkeypatch)
    hasil = defs["hasil_skenario"]
    assert defs["masalah_skenario"] is None
    assert (hasil.tahun, hasil.pagu_total) == (2026, 3_183_000_000_000)
    assert hasil.baris["pagu_usulan_rp"].sum() == Decimal(3_183_000_000_000)
    # the same figures as lib/scenario on the same inputs (no tiers yet: every program B)
    with open_published(published_demo) as con:
        dasar, aturan = sk.load_dasar(con, 2026), sk.load_aturan(con)
        kebijakan = sk.load_kebijakan(con)
        tier = (
            sk.load_tier(con, 2026)
            if defs["ada_mart_prioritas"]
            else hasil.baris.clear().select("kode_skpd", "kode_program", "tier")
        )
    again = sk.compute_skenario(
        dasar, tier, aturan, tahun=2026, pagu_total=3_183_000_000_000, kebijakan=kebijakan
    )
    assert again.id_skenario == hasil.id_skenario
    assert "Per OPD: pagu TA 2025 → Usulan TA 2026" in text
    if not defs["ada_mart_prioritas"]:
        assert "Mart prioritas belum terbit" in text
    # read-only: nothing in the scenario store, the mart unchanged (see the headless test)
    assert (sorted(scenarios.rglob("*")) if scenarios.exists() else None) == before


def test_planner_says_plainly_when_the_ceiling_cannot_carry_the_commitments(
    published_demo, monkeypatch
):
    text, defs = run_app(
        "notebooks/01_perencana_alokasi.py",
        published_demo.root,
        monkeypatch,
        pagu_skenario=1_000_000_000,
    )
    assert defs["hasil_skenario"] is None
    masalah = defs["masalah_skenario"]
    assert isinstance(masalah, sk.SkenarioTidakLayak)
    assert "Skenario tidak layak." in text and str(masalah).split(":")[0] in text
    assert "Kekurangan" in text and rupiah(masalah.kekurangan_rp) in text
    assert "Per OPD: pagu" not in text


def test_planner_tier_section_reads_the_prioritas_mart(published_demo, monkeypatch):
    text, defs = run_app("notebooks/01_perencana_alokasi.py", published_demo.root, monkeypatch)
    assert defs["ada_mart_prioritas"]
    assert "Mart prioritas belum terbit" not in text
    expected = mart(
        published_demo,
        "select tier, count(*) from marts.mart_prioritas_alokasi where tahun = $t group by tier",
        {"t": defs["pilihan"]["tahun"]},
    )
    prioritas = defs["prioritas"]
    assert dict(prioritas.group_by("tier").len().rows()) == dict(expected)
    assert set(prioritas["tier"]) <= {"A", "B", "C", "D"} and {"A", "D"} <= set(prioritas["tier"])
    assert prioritas["tier"].to_list() == sorted(prioritas["tier"].to_list())
    assert f"{prioritas.height} program" in text
    # the scenario uses those tiers: at a ceiling 1 % under last year's total, tier A is
    # protected and tier D is cut (the default ceiling depends on the demo's scale)
    with open_published(published_demo) as con:
        dasar = sk.load_dasar(con, 2026).program
    turun = int(dasar["total_belanja_rp"].sum()) * 99 // 100
    text, defs = run_app(
        "notebooks/01_perencana_alokasi.py", published_demo.root, monkeypatch, pagu_skenario=turun
    )
    baris = defs["hasil_skenario"].baris
    assert {"A", "D"} <= set(baris["tier"])
    assert (baris.filter(pl.col("tier") == "A")["perubahan_rp"] >= 0).all()
    assert (baris.filter(pl.col("tier") == "D")["perubahan_rp"] < 0).any()
    assert "Mart prioritas belum terbit" not in text and "tier D: " in text


def test_finance_app_flags_programs_from_the_performance_mart(published_demo, monkeypatch):
    text, defs = run_app("notebooks/02_keuangan_serapan.py", published_demo.root, monkeypatch)
    tahun = defs["pilihan"].tahun
    expected = mart(
        published_demo,
        """select count(*), count(*) filter (where flag_serapan_rendah or flag_keluaran_rendah
            or flag_tanpa_indikator_terukur or flag_laporan_tidak_lengkap
            or flag_laporan_terlambat or flag_biaya_unit_tinggi)
        from marts.mart_kinerja_program where tahun = $tahun""",
        {"tahun": tahun},
    )[0]
    assert len(defs["kinerja"]) == expected[0]
    assert f"Program bertanda kinerja ({expected[1]} dari {expected[0]})" in text
    # one pemda: no pemda picker, the title names it as dim_pemda does (issue 12)
    assert list(defs["pilih_pemda"].options) == ["Kota Samarinda"]
    assert "data-options='[&quot;Kota Samarinda&quot;]'" not in text  # the picker, not shown
    assert "BPKAD Kota Samarinda" in text


def test_planner_peer_section_follows_the_chosen_peer_group(published_demo, monkeypatch):
    """The section shows the mart's positions and members of the group the user picks (default:
    the comparable group); another group gives other peers. Figures from the published mart."""
    text, defs = run_app("notebooks/01_perencana_alokasi.py", published_demo.root, monkeypatch)
    if not defs["daftar_kelompok"] or defs["pilihan_pembanding"] is None:
        assert "angka pembanding" in text.lower()  # says so, and the rest of the app runs
        pytest.skip("the published demo has no peer figures yet (embedded DJPK/BPS files)")
    pilihan = defs["pilihan_pembanding"]
    assert pilihan.kode_kelompok == "sebanding" and pilihan.nama_pemda == "Kota Samarinda"
    for testid in ("tabel-posisi-pembanding", "grafik-porsi-pembanding", "tabel-pembanding"):
        assert f"data-testid='{testid}'" in text, testid
    kalimat = mart(
        published_demo,
        """select kalimat from marts.mart_posisi_pembanding
        where kode_pemda = '64.72' and kode_kelompok = 'sebanding' and tahun = $t""",
        {"t": pilihan.tahun},
    )
    assert sorted(defs["posisi_pembanding"]["kalimat"]) == sorted(r[0] for r in kalimat)

    def members(kelompok: str) -> set[str]:
        return {
            r[0]
            for r in mart(
                published_demo,
                """select nama_pemda_pembanding from marts.mart_kelompok_pembanding
                where kode_pemda = '64.72' and kode_kelompok = $g""",
                {"g": kelompok},
            )
        }

    assert set(defs["anggota_pembanding"]["nama_pemda"]) == members("sebanding")
    _, defs = run_app(
        "notebooks/01_perencana_alokasi.py",
        published_demo.root,
        monkeypatch,
        kode_kelompok_pembanding="provinsi",
    )
    assert defs["pilihan_pembanding"].kode_kelompok == "provinsi"
    assert set(defs["anggota_pembanding"]["nama_pemda"]) == members("provinsi")
    assert members("provinsi") != members("sebanding")


def test_planner_without_peer_figures_says_so_and_runs_the_rest(
    published_demo, monkeypatch, tmp_path
):
    """A deployment without DJPK's national file publishes empty peer marts (contract
    bolehKosong): the section says what is missing and every other section still runs."""
    empty = DataPaths(tmp_path / "data")
    empty.published_db.parent.mkdir(parents=True)
    shutil.copyfile(published_demo.published_db, empty.published_db)
    with duckdb.connect(str(empty.published_db)) as con:
        con.execute("delete from marts.mart_posisi_pembanding")
        con.execute("delete from marts.mart_pembanding_pemda")
    text, defs = run_app("notebooks/01_perencana_alokasi.py", empty.root, monkeypatch)
    assert defs["pilihan_pembanding"] is None
    assert "Angka pembanding tidak dapat ditampilkan." in text
    assert "Belum ada angka pembanding untuk Kota Samarinda" in text
    assert "data-testid='tabel-pembanding'" not in text
    assert defs["kelurahan"].height == 59 and defs["hasil_skenario"] is not None
