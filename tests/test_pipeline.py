"""End to end with the real stack: demo files → Dagster (ingest, dbt, gate) → published mart.

These tests read the session's shared demo (tests/conftest.py, scale 0.3: the personal-data scan
needs more than 1,000 NIKs and birth dates sent, 0.2 sends 864 and 840) through a private copy of
it, since they write exports and a report into its data folder and the last test breaks a file
and runs the pipeline again on that copy. The second, no-op run is tested on the run that
republishes a saved scenario (test_kepatuhan_skenario_pipeline.py): one run serves both.
"""

from __future__ import annotations

import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest

from dagster_project.lib.core.paths import DataPaths
from dagster_project.lib.demo.generator import (
    PERGESERAN_SESUDAH_PERUBAHAN,
    PERGESERAN_TANPA_PERUBAHAN,
)
from dagster_project.lib.ingest.loader import read_ingest_log
from dagster_project.runtime import run_pipeline
from tests.pipeline_kit import pipeline_env

pytestmark = pytest.mark.slow


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def pipeline(demo_run, copy_demo):
    """(paths, manifest, report): a copy of the shared demo, the generator's manifest and the
    report of the run that published it."""
    root, _ = copy_demo("pipeline")
    with pipeline_env(root) as paths:
        yield paths, demo_run.manifest, demo_run.report


def query(paths: DataPaths, sql: str):
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_first_run_publishes(pipeline):
    paths, _, report = pipeline
    assert report.success, (report.failed_steps, report.failed_checks)
    assert paths.published_db.exists()
    assert {"ingest", "dbt build", "gerbang mutu", "publish"} <= set(report.stage_seconds)


def test_mart_reconciles_to_the_rupiah_with_the_generator_manifest(pipeline):
    paths, manifest, _ = pipeline
    for tahun, totals in manifest["totals"].items():
        (real, murni, perubahan) = query(
            paths,
            f"""
            select sum(realisasi_rp), sum(pagu_murni_rp), sum(pagu_perubahan_rp)
            from marts.mart_anggaran_realisasi where tahun = {int(tahun)}""",
        )[0]
        assert real == Decimal(totals["realisasi"])
        assert murni == Decimal(totals["pagu"]["murni"])
        assert perubahan == Decimal(totals["pagu"]["perubahan"])
        per_opd = dict(
            query(
                paths,
                f"""
            select kode_skpd, sum(realisasi_rp) from marts.mart_anggaran_realisasi
            where tahun = {int(tahun)} group by all""",
            )
        )
        expected = {k: Decimal(v["realisasi"]) for k, v in totals["per_opd"].items()}
        assert {k: v for k, v in per_opd.items() if v} == {k: v for k, v in expected.items() if v}
        # realisasi is SP2D spending minus refunds: UP and TU advances are in no mart figure
        (advances, refunds) = query(
            paths,
            f"""select count(*) filter (where jenis_sp2d in ('UP', 'TU')),
                   count(*) filter (where nilai_rp < 0)
            from marts.fct_realisasi where tahun = {int(tahun)}""",
        )[0]
        assert advances == 0 and refunds > 0
        # pagu akhir per OPD is its latest phase, pergeseran included
        akhir = dict(
            (k, (t, p))
            for k, t, p in query(
                paths,
                f"""select kode_skpd, any_value(tahap_akhir), sum(pagu_akhir_rp)
                from marts.mart_anggaran_realisasi where tahun = {int(tahun)} group by all""",
            )
        )
        assert {k: p for k, (_, p) in akhir.items() if p} == {
            k: Decimal(v["pagu_akhir"]) for k, v in totals["per_opd"].items()
        }
        assert akhir[PERGESERAN_TANPA_PERUBAHAN][0] == "pergeseran_1"
        if tahun == "2024":  # the first generated year
            assert akhir[PERGESERAN_SESUDAH_PERUBAHAN][0] == "pergeseran_perubahan_1"


def test_published_file_holds_marts_only_and_no_views_over_raw(pipeline):
    paths, _, _ = pipeline
    schemas = {r[0] for r in query(paths, "select distinct schema_name from duckdb_schemas()")}
    assert "staging" not in schemas and "intermediate" not in schemas
    assert {"marts", "reference"} <= schemas


# ---------------------------------------------------------------------------------------------
# Evidence: performance, outcomes and need (issue 3)

KELAS = ("efektif", "tidak_efektif", "serapan_rendah")


def precision_recall(predicted: set, actual: set) -> tuple[float, float]:
    hits = len(predicted & actual)
    return (
        hits / len(predicted) if predicted else 1.0,
        hits / len(actual) if actual else 1.0,
    )


def efektif_truth(manifest: dict, kolom: str = "tahun_dampak") -> set[tuple[int, str, str]]:
    """Program-years whose planted effect shows in that year's outcome change (issue 10: capital
    works show a year later, the placebo world never); with kolom="tahun_dampak_terlihat" only
    those where it shows in enough kelurahan for any method to see (the generator's design)."""
    return {
        (t, p["kode_skpd"], p["kode_program"])
        for p in manifest["kebenaran"]["program"]
        if p["kelas"] == "efektif"
        for t in p[kolom]
    }


def planted_truth_scores(paths: DataPaths, manifest: dict) -> dict[str, tuple[float, float]]:
    """Precision and recall of the marts' own classification against the generator's truth,
    per (year, OPD, program) row and per (year, kelurahan) row. efektif is scored twice: on
    every program-year whose planted effect shows, and on those where the evidence reaches the
    minimum size of ref_aturan_dampak (status_dampak berdampak or tidak_berdampak)."""
    truth = {
        (p["kode_skpd"], p["kode_program"]): p["kelas"] for p in manifest["kebenaran"]["program"]
    }
    rows = query(
        paths,
        "select tahun, kode_skpd, kode_program, klasifikasi, status_dampak "
        "from marts.mart_kinerja_program",
    )
    scores = {}
    shows = efektif_truth(manifest)
    visible = efektif_truth(manifest, "tahun_dampak_terlihat")
    for kelas in KELAS:
        predicted = {(t, o, p) for t, o, p, k, _ in rows if k == kelas}
        if kelas == "efektif":
            actual = {(t, o, p) for t, o, p, _, _ in rows if (t, o, p) in shows}
            scores["efektif (semua)"] = precision_recall(predicted, actual)
            actual = {(t, o, p) for t, o, p, _, _ in rows if (t, o, p) in visible}
            scores["efektif (terlihat)"] = precision_recall(predicted, actual)
            actual = {
                (t, o, p)
                for t, o, p, _, s in rows
                if (t, o, p) in shows and s in ("berdampak", "tidak_berdampak")
            }
        else:
            actual = {(t, o, p) for t, o, p, _, _ in rows if truth.get((o, p)) == kelas}
        scores[kelas] = precision_recall(predicted, actual)
    under = set(manifest["kebenaran"]["kelurahan_kurang_terlayani"])
    wilayah = query(
        paths,
        """select tahun, kode_wilayah, kurang_terlayani from marts.mart_kebutuhan_wilayah
        where tingkat_wilayah = 'kelurahan'""",
    )
    scores["kurang_terlayani"] = precision_recall(
        {(t, k) for t, k, flag in wilayah if flag}, {(t, k) for t, k, _ in wilayah if k in under}
    )
    return scores


def test_planted_truth_is_found_by_the_marts(pipeline):
    paths, manifest, _ = pipeline
    scores = planted_truth_scores(paths, manifest)
    shown = {k: (round(p, 3), round(r, 3)) for k, (p, r) in scores.items()}
    print(f"\nklasifikasi vs planted truth (precision, recall): {shown}")
    # Issue 10: below the minimum evidence (3 kelurahan of its own, Rp500 juta) a program is
    # belum_cukup_bukti, never efektif, so recall over every program-year with a planted effect
    # is reported, not asserted; precision is, and recall where the evidence is sufficient.
    overall = scores.pop("efektif (semua)")
    assert overall[0] >= 0.8, shown
    scores.pop("efektif (terlihat)")  # reported: recall over what the generator made visible
    scores.pop("kurang_terlayani")  # its own test below (a known shortfall)
    assert all(p >= 0.8 and r >= 0.8 for p, r in scores.values()), shown
    # issue 10's bar where the evidence reaches the minimum size (scale 0.3: 0.909 and 1.0)
    assert min(scores["efektif"]) >= 0.85, shown


@pytest.mark.xfail(
    strict=True,
    reason="Known limit (recorded in issue 10's closing note): since zero-spend ties no longer "
    "decide 'kurang terlayani', the planted under-served kelurahan are flagged on beneficiary "
    "coverage alone; "
    "at scale 0.3 precision 0.9 and recall 0.75 (default scale: 0.923 and 1.0 before issue 10's "
    "demo reach change). strict: "
    "fails loudly once both reach 0.8.",
)
def test_planted_under_served_kelurahan_are_found(pipeline):
    paths, manifest, _ = pipeline
    p, r = planted_truth_scores(paths, manifest)["kurang_terlayani"]
    assert p >= 0.8 and r >= 0.8, (p, r)


def tier_truth_scores(paths: DataPaths, manifest: dict) -> dict[str, tuple[float, float]]:
    """Precision and recall of the evidence tiers (issue 4) per (year, OPD, program) row: tier A
    against the planted effective programs, tier D against the planted wasteful ones
    (tidak_efektif or serapan_rendah)."""
    truth = {
        (p["kode_skpd"], p["kode_program"]): p["kelas"] for p in manifest["kebenaran"]["program"]
    }
    rows = query(
        paths, "select tahun, kode_skpd, kode_program, tier from marts.mart_prioritas_alokasi"
    )
    boros = {"tidak_efektif", "serapan_rendah"}
    shows = efektif_truth(manifest)
    return {
        "A~efektif": precision_recall(
            {(t, o, p) for t, o, p, tier in rows if tier == "A"},
            {(t, o, p) for t, o, p, _ in rows if (t, o, p) in shows},
        ),
        "D~tidak_efektif|serapan_rendah": precision_recall(
            {(t, o, p) for t, o, p, tier in rows if tier == "D"},
            {(t, o, p) for t, o, p, _ in rows if truth.get((o, p)) in boros},
        ),
    }


def test_evidence_tiers_find_the_planted_effective_and_wasteful_programs(pipeline):
    paths, manifest, _ = pipeline
    scores = tier_truth_scores(paths, manifest)
    shown = {k: (round(p, 3), round(r, 3)) for k, (p, r) in scores.items()}
    print(f"\ntier vs planted truth (precision, recall): {shown}")
    # A needs an effect seen on enough evidence (issue 10): its recall is reported, not asserted
    assert scores["A~efektif"][0] >= 0.8, shown
    assert all(p >= 0.8 and r >= 0.8 for k, (p, r) in scores.items() if k != "A~efektif"), shown
    # issue 10's bar for the wasteful programs (scale 0.3: precision 1.0, recall 0.911)
    assert min(scores["D~tidak_efektif|serapan_rendah"]) >= 0.85, shown
    # Every program has exactly one tier per year, and the support programs are never judged.
    (dup, penunjang_bukan_b) = query(
        paths,
        """select count(*) - count(distinct (tahun, kode_skpd, kode_program)),
                  count(*) filter (where program_penunjang and tier <> 'B')
           from marts.mart_prioritas_alokasi""",
    )[0]
    assert dup == 0 and penunjang_bukan_b == 0


def test_one_verdict_one_story_and_every_reason_states_its_own_sign(pipeline):
    paths, _, _ = pipeline
    import re

    rows = query(
        paths,
        """select k.klasifikasi, p.tier, p.ditier, p.program_penunjang, p.program_baru,
                  k.selisih_perbaikan_outcome, k.alasan_dampak, p.alasan
           from marts.mart_kinerja_program as k
           join marts.mart_prioritas_alokasi as p using (tahun, kode_skpd, kode_program)""",
    )
    signed = 0
    for klas, tier, ditier, penunjang, baru, selisih, kalimat, alasan in rows:
        assert tier != "A" or klas == "efektif"
        assert tier != "D" or klas in ("serapan_rendah", "tidak_efektif")
        assert klas != "belum_cukup_bukti" or tier in ("B", "C")
        assert ditier == (tier is not None)
        if klas in ("serapan_rendah", "tidak_efektif") and not (penunjang or baru):
            assert tier in ("C", "D")
        m = re.search(
            r"selisih ([+-]?[\d.]*\d,\d\d) poin \((lebih baik|lebih buruk|sama)", kalimat or ""
        )
        if selisih is None or not m:
            continue
        signed += 1
        angka = Decimal(m.group(1).replace(".", "").replace(",", "."))
        # the figure as the sentence rounds it: half away from zero (SQL round), as every figure
        assert angka == selisih.quantize(Decimal("0.01"), ROUND_HALF_UP), (kalimat, selisih)
        arah = "lebih baik" if angka > 0 else "lebih buruk" if angka < 0 else "sama"
        assert m.group(2) == arah, kalimat
        assert kalimat in alasan  # the tier repeats the effect sentence word for word
    assert signed >= 5


def test_spending_in_kelurahan_plus_city_wide_equals_total_realisation(pipeline):
    paths, manifest, _ = pipeline
    for tahun, totals in manifest["totals"].items():
        total = Decimal(totals["realisasi"])
        kelurahan, kota = query(
            paths,
            f"""select sum(belanja_rp) filter (where tingkat_wilayah = 'kelurahan'),
                   sum(belanja_rp) filter (where tingkat_wilayah = 'kota')
            from marts.mart_kebutuhan_wilayah where tahun = {int(tahun)}""",
        )[0]
        assert kelurahan > 0 and kota > 0 and kelurahan + kota == total
        located, city_wide = query(
            paths,
            f"""select sum(realisasi_rp) filter (where berlokasi),
                   sum(realisasi_rp) filter (where not berlokasi)
            from marts.fct_belanja_wilayah where tahun = {int(tahun)}""",
        )[0]
        assert located == kelurahan and city_wide == kota
        (program,) = query(
            paths,
            f"select sum(realisasi_rp) from marts.mart_kinerja_program where tahun = {int(tahun)}",
        )[0]
        assert program == total


def test_capaian_is_null_with_a_reason_never_a_division_by_zero(pipeline):
    paths, _, _ = pipeline
    (broken, text, zero_or_empty) = query(
        paths,
        """select
            count(*) filter (where (capaian_persen is null) <> (alasan_capaian_kosong is not null)),
            count(*) filter (where target_teks is not null and target_angka is null),
            count(*) filter (where coalesce(target_angka, 0) = 0 and capaian_persen is not null)
        from marts.fct_kinerja""",
    )[0]
    assert broken == 0 and zero_or_empty == 0 and text > 0


def personal_data_sent(paths: DataPaths) -> tuple[set[str], set[str], set]:
    """NIKs, names and birth dates exactly as Dinas Sosial sent them (from the landing files)."""
    import polars as pl

    from dagster_project.lib.contracts.model import source_contracts
    from dagster_project.lib.core.idformat import parse_date
    from dagster_project.lib.ingest.readers import read_landing_file

    contract = source_contracts()["dinsos.penerima_bansos"]
    frames = [
        read_landing_file(p, contract).frame
        for p in sorted((paths.landing / "dinsos").rglob("*"))
        if p.is_file()
    ]
    sent = pl.concat(frames, how="diagonal")
    niks = {n for n in sent["nik"].str.replace_all(r"\D", "").to_list() if n and len(n) >= 15}
    births = set(sent.select(parse_date(pl.col("tanggal_lahir")))["tanggal_lahir"].drop_nulls())
    names = set(sent["nama"].drop_nulls())
    # SP2D recipients who are individuals: their NPWP is their NIK (16 digits, or an old 15-digit
    # NPWP of kind 04-09), their name is personal data too (issue 14 §4).
    sp2d = source_contracts()["bpkad.sp2d"]
    paid = pl.concat(
        [
            read_landing_file(p, sp2d).frame
            for p in sorted((paths.landing / "bpkad" / "sp2d").rglob("*.csv"))
        ],
        how="diagonal",
    )
    npwp = pl.col("npwp_penerima").str.replace_all(r"\D", "")
    npwp = pl.when(npwp.str.len_chars() == 15).then(pl.lit("0") + npwp).otherwise(npwp)
    person = paid.with_columns(npwp.alias("npwp_penerima")).filter(
        ~pl.col("npwp_penerima").str.starts_with("0")
        | pl.col("npwp_penerima").str.slice(1, 2).is_in([f"0{d}" for d in range(4, 10)])
    )
    assert person.height >= 5, "the demo pays individuals"
    niks |= set(person["npwp_penerima"].drop_nulls())
    names |= set(person["nama_penerima"].drop_nulls())
    return niks, names, births


def scanned_values(paths: DataPaths) -> tuple[set[str], set]:
    """Every distinct text and date value in the Parquet files under data/ (except the archive
    of what was sent), every DuckDB file (build, published, archived versions) and data/exports."""
    import polars as pl

    texts: set[str] = set()
    dates: set = set()
    for f in paths.root.rglob("*.parquet"):
        if f.is_relative_to(paths.landing_archive) or f.is_relative_to(paths.landing):
            continue
        frame = pl.read_parquet(f)
        for name, dtype in frame.schema.items():
            if dtype == pl.String:
                texts |= set(frame[name].drop_nulls().unique())
            elif dtype in (pl.Date, pl.Datetime) or dtype.is_integer():
                dates |= set(frame[name].drop_nulls().unique())
    for db in paths.root.rglob("*.duckdb"):
        with duckdb.connect(str(db), read_only=True) as con:
            # tables only: a view holds nothing (the build state's views read raw/, scanned above)
            cols = con.execute(
                "select c.table_schema, c.table_name, c.column_name, c.data_type "
                "from information_schema.columns c join information_schema.tables t using "
                "(table_catalog, table_schema, table_name) "
                "where c.table_catalog = current_database() and t.table_type = 'BASE TABLE'"
            ).fetchall()
            for schema, table, column, dtype in cols:
                sql = f'select distinct "{column}" from "{schema}"."{table}"'
                if dtype == "VARCHAR":
                    texts |= {r[0] for r in con.execute(sql).fetchall() if r[0] is not None}
                elif dtype in ("DATE", "TIMESTAMP", "BIGINT", "HUGEINT"):
                    dates |= {r[0] for r in con.execute(sql).fetchall() if r[0] is not None}
    # Exports and reports, and what ingest tells the sender of personal data (quarantine
    # messages, feedback workbooks).
    for folder in (paths.exports, paths.quarantine / "dinsos"):
        for f in folder.rglob("*") if folder.exists() else []:
            if f.is_file() and f.suffix.lower() in (".csv", ".json", ".txt", ".xml", ".html"):
                texts.add(f.read_text(encoding="utf-8", errors="replace"))
            elif f.is_file() and f.suffix.lower() == ".xlsx":
                for sheet in pl.read_excel(f, sheet_id=0, infer_schema_length=0).values():
                    texts |= {str(v) for c in sheet.columns for v in sheet[c] if v is not None}
    return texts, dates


def quarantine_messages(paths: DataPaths) -> list[str]:
    """Every reason and value ingest wrote about a rejected beneficiary row."""
    import polars as pl

    out: list[str] = []
    for f in (paths.quarantine / "dinsos").rglob("*.errors.parquet"):
        errors = pl.read_parquet(f)
        out += [v for c in ("nilai", "alasan") for v in errors[c].drop_nulls().to_list()]
    return out


def write_exports_and_a_report(paths: DataPaths) -> None:
    """What planners and the public receive: the open-data export and the city report."""
    from dagster_project.lib.outputs import reports
    from dagster_project.lib.outputs.exports import export_published
    from dagster_project.lib.publish.publisher import open_published

    export_published(paths)
    with open_published(paths) as con:
        report = reports.build_report(con, reports.resolve_selection(con, 2025))
    folder = paths.exports / "laporan"
    folder.mkdir(parents=True, exist_ok=True)
    reports.write_xlsx(report, folder / f"{report.file_stem}.xlsx")
    reports.write_html(report, folder / f"{report.file_stem}.html")


def test_no_nik_name_or_birth_date_leaves_ingest(pipeline):
    import re

    import polars as pl

    paths, _, _ = pipeline
    write_exports_and_a_report(paths)
    niks, names, births = personal_data_sent(paths)
    assert len(niks) > 1000 and len(names) > 500 and len(births) > 1000
    texts, values = scanned_values(paths)
    assert texts, "nothing scanned"
    # A NIK never starts with 0 (province codes 11-94); the 16-digit NPWP of a company or a
    # government office is 0 + its 15-digit NPWP of kind 00-03 (PMK 112/PMK.03/2022) and stays
    # clear; an individual's (kind 04-09) is caught like a NIK.
    # The texts run to tens of MB (whole exported CSVs): searched with polars' regex engine, not a
    # Python loop per text (py-spy: 16 s of this test's 30 before).
    column = pl.Series(list(texts), dtype=pl.String)

    def matches(pattern: str) -> set[str]:
        return set(column.str.extract_all(pattern).explode().drop_nulls())

    nik_like = [m for m in matches(r"\b\d{16}\b") if not re.match("00[0-3]", m)]
    assert not nik_like, nik_like[:3]
    windows = {run[i : i + 16] for run in matches(r"\d{16,}") for i in range(len(run) - 15)}
    assert not windows & niks
    assert not {v for v in values if str(v) in niks}
    words = {" ".join(pair) for t in texts for pair in zip(t.split(), t.split()[1:], strict=False)}
    assert not (texts | words) & names
    assert not values & births
    rendered = {d.isoformat() for d in births} | {d.strftime("%d/%m/%Y") for d in births}
    tokens = matches(r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}")
    assert not tokens & rendered
    # No cell under the small-cell threshold in the exports either (the columns that count
    # people are those the mart contracts and dbt YAML mark; the export states them).
    package = json.loads((paths.exports / "apbd" / "datapackage.json").read_text("utf-8"))
    rule = package["kerahasiaan"]
    assert "fct_penerima_bansos" in rule["kolom_hitungan_orang"]
    for table, cols in rule["kolom_hitungan_orang"].items():
        frame = pl.read_csv(paths.exports / "apbd" / "csv" / f"{table}.csv", infer_schema_length=0)
        for col in cols:
            v = frame[col].cast(pl.Int64, strict=False)
            assert not ((v > 0) & (v < rule["ambang_sel_minimum"])).any(), (table, col)
    # Not even part of a NIK (issue 16): no quarantine message holds the 10 digits after the
    # kecamatan code (birth date and serial) or quotes a digit of one, not even the first four.
    messages = quarantine_messages(paths)
    assert any("NIK" in m for m in messages), "the demo sends bad NIKs"
    tail_windows = {n[i : i + 10] for n in niks for i in range(len(n) - 9)}
    runs = {run for m in messages for run in re.findall(r"\d{10,}", m)}
    assert not {r[i : i + 10] for r in runs for i in range(len(r) - 9)} & tail_windows
    prefixes = "647201–647210"  # the contract's rule, quoted in the reason, is nobody's NIK
    quoting = [m for m in messages if re.search(r"\d{4}", m.replace(prefixes, ""))]
    assert not [m for m in quoting if "NIK" in m or "nik" in m], quoting[:3]


def test_broken_file_is_quarantined_and_a_failed_gate_keeps_the_published_mart(pipeline):
    paths = pipeline[0]
    before = sha(paths.published_db)
    versions_before = len(list(paths.publish_log.glob("*.json")))
    opd_dir = next((paths.landing / "sipd" / "dpa_sub_kegiatan" / "2025").iterdir())
    opd = opd_dir.name
    sub = query(
        paths,
        f"""select kode_sub_kegiatan from marts.mart_anggaran_realisasi
        where tahun = 2025 and kode_skpd = '{opd}' and pagu_murni_rp > 0 limit 1""",
    )[0][0]
    for old in opd_dir.glob("dpa_sub_kegiatan_murni.*"):
        old.unlink()
    # A valid-looking row whose pagu no longer matches its rincian (the gate must catch it), an
    # unknown sub kegiatan and a negative pagu (ingest must quarantine them with reasons).
    (opd_dir / "dpa_sub_kegiatan_murni.csv").write_text(
        "tahun,tahap,kode_skpd,kode_sub_kegiatan,pagu_rp\n"
        f"2025,murni,{opd},{sub},1\n"
        f"2025,murni,{opd},1.02.99.2.02.0099,500000000\n"
        f"2025,murni,{opd},{sub[:-4]}9998,-5000000\n",
        encoding="utf-8",
    )
    report = run_pipeline()
    assert not report.success
    assert sha(paths.published_db) == before  # byte-for-byte the last good mart
    log = read_ingest_log(paths).filter(read_ingest_log(paths)["berkas"].str.contains(opd))
    last = log.tail(1).to_dicts()[0]
    assert last["baris_karantina"] == 2 and last["baris_dimuat"] == 1
    errors = next((paths.quarantine / "sipd" / "dpa_sub_kegiatan").rglob("*.errors.parquet"))
    import polars as pl

    reasons = pl.read_parquet(errors)["alasan"].to_list()
    assert any("tidak dikenal" in r for r in reasons) and any("negatif" in r for r in reasons)
    failures = " ".join(
        name + " " + why for name, why in report.failed_checks + report.failed_steps
    )
    assert "pagu" in failures.lower()
    entries = [json.loads(p.read_text()) for p in paths.publish_log.glob("*.json")]
    assert len(entries) == versions_before  # nothing new was published


def test_a_source_that_breaks_its_contract_stops_the_run_before_dbt(copy_demo):
    """The checks on the raw sources run once, with their ingest runs: one that fails (here the
    same SP2D rows in two raw files, so a key appears twice) stops `apbd run` there, before dbt
    reads the source, and the last good mart stays published."""
    root, _ = copy_demo("raw_rusak")
    with pipeline_env(root) as paths:
        before = sha(paths.published_db)
        some = next((paths.raw / "bpkad" / "sp2d").glob("pemda=*/**/*.parquet"))
        (some.parent / f"salinan_{some.name}").write_bytes(some.read_bytes())
        report = run_pipeline()
        assert not report.success
        (name, why), *_ = report.failed_checks
        assert name == "bpkad/sp2d:matches_contract" and "lebih dari sekali" in why, why
        assert "dbt build" not in report.stage_seconds  # dbt never ran
        assert sha(paths.published_db) == before
