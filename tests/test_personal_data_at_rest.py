"""Personal data at rest (issue 16 point 2): files with NIK, names and birth dates are owner-only,
removed after the contract's retention period or on request (their sha256 and row counts stay),
and no message ever quotes a digit of a NIK."""

from __future__ import annotations

import re
import stat
from datetime import UTC, date, datetime, timedelta

import polars as pl
from typer.testing import CliRunner

from dagster_project.cli import app
from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.ingest.loader import ingest_source, read_ingest_log
from dagster_project.lib.ingest.retention import is_private, purge, read_purge_log

BANSOS = source_contracts()["dinsos.penerima_bansos"]
HEADER = "tahun;NIK;Nama Penerima;Tanggal Lahir;Jenis Kelamin;Kode Kelurahan;Program Bantuan;Nilai Bantuan (Rp)"
ROWS = [
    "2024;6472014501850001;Siti Aminah;05/01/1985;P;64.72.01.1001;BST;3.600.000",
    "2024;6472021203700002;Budi Santoso;12 Maret 1970;L;64.72.02.1001;BST;3.600.000",
    "2024;647203987654321;Pendek Satu;05/01/1985;P;64.72.01.1001;BST;3.600.000",  # 15 digits
    "2024;6403019876543219;Luar Kota;05/01/1985;P;64.72.01.1001;BST;3.600.000",  # Kukar NIK
    "2024;6,47201E+15;Excel Rusak;31/02/1985;P;64.72.01.1001;BST;3.600.000",
    # Columns shifted by the operator: the NIK lands in the kelurahan column.
    "2024;6472051122330004;Geser Kolom;05/01/1985;P;6472051122330004;BST;3.600.000",
]
NIKS = ["6472014501850001", "6472021203700002", "647203987654321", "6403019876543219"]
NIKS.append("6472051122330004")


def write_bansos(paths, name="penerima_bansos_bst.csv"):
    target = paths.landing / "dinsos" / "penerima_bansos" / "2024" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    target.chmod(0o644)
    return target


def nik_digits_in(text: str) -> list[str]:
    """Digit runs of 4 or more in `text` that share 4 consecutive digits with a sent NIK (the
    contract's list of Samarinda kecamatan codes, quoted as the rule, is not a person's NIK)."""
    allowed = BANSOS.column("nik").personal_data["regionPrefixes"]
    text = text.replace(f"{allowed[0]}–{allowed[-1]}", "")
    windows = {n[i : i + 4] for n in NIKS for i in range(len(n) - 3)}
    return [
        run
        for run in re.findall(r"\d{4,}", text)
        if any(run[i : i + 4] in windows for i in range(len(run) - 3))
    ]


def test_files_with_personal_data_are_owner_only(data_paths):
    sent = write_bansos(data_paths)
    ingest_source(BANSOS, data_paths)
    (sha,) = read_ingest_log(data_paths)["sha256"].to_list()
    archived = next((data_paths.landing_archive / sha[:2]).glob(f"{sha}.*"))
    quarantine = data_paths.quarantine / "dinsos" / "penerima_bansos"
    files = [sent, archived, *data_paths.raw.glob("dinsos/**/*.parquet"), *quarantine.rglob("*")]
    files = [f for f in files if f.is_file()]
    assert {f.suffix for f in files} >= {".csv", ".parquet", ".xlsx"}
    shared = {data_paths.root, data_paths.landing, data_paths.raw, data_paths.quarantine}
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
        folder = f.parent  # up to landing/dinsos, raw/dinsos, quarantine/dinsos, archive/
        while folder not in shared:
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
            folder = folder.parent
    assert all(is_private(f) for f in files)
    # What an older pipeline left readable is closed on the next ingest (nothing re-loaded).
    for f in (sent, archived, data_paths.landing_archive):
        f.chmod(0o755 if f.is_dir() else 0o644)
    assert ingest_source(BANSOS, data_paths)[0].status == "tidak_berubah"
    assert is_private(sent) and is_private(archived) and is_private(data_paths.landing_archive)


def _values(frame: pl.DataFrame) -> list:
    return [v for c, t in frame.schema.items() if not isinstance(t, pl.Datetime) for v in frame[c]]


def test_no_digit_of_a_nik_in_quarantine_feedback_or_log(data_paths):
    write_bansos(data_paths)
    (outcome,) = ingest_source(BANSOS, data_paths)
    assert outcome.rows_loaded == 2 and outcome.rows_quarantined == 4
    stem = (
        data_paths.quarantine
        / "dinsos"
        / "penerima_bansos"
        / "pemda=64.72"
        / "tahun=2024"
        / "dinsos"
    )
    errors = pl.read_parquet(next(stem.glob("*.errors.parquet")))
    rows = pl.read_parquet(next(stem.glob("*.rows.parquet"))).drop("nik_hash")
    rules = set(errors["aturan"])
    assert {"nik_16_angka", "nik_bukan_samarinda", "format_kode"} <= rules
    # every value but clock times: a load time's microseconds (…02:32:12.214502) can share four
    # digits with a NIK by chance, and a timestamp is written by the loader, never sent
    texts = [str(v) for f in (errors, rows, outcome.errors) for v in _values(f) if v]
    workbook = next(stem.glob("*.umpan_balik.xlsx"))
    for sheet in pl.read_excel(workbook, sheet_id=0, infer_schema_length=0).values():
        texts += [str(v) for c in sheet.columns for v in sheet[c] if v is not None]
    log = read_ingest_log(data_paths).drop("sha256")
    texts += [str(v) for v in _values(log) if v is not None]
    texts.append(outcome.summary())
    leaked = [t for t in texts if nik_digits_in(t)]
    assert not leaked, leaked[:5]
    # The reason still says what is wrong, without the digits.
    luar = errors.filter(pl.col("aturan") == "nik_bukan_samarinda")["alasan"][0]
    assert "bukan kode kecamatan Kota Samarinda" in luar and "6403" not in luar


def test_retention_removes_the_file_as_sent_and_keeps_its_lineage(data_paths):
    sent = write_bansos(data_paths)
    ingest_source(BANSOS, data_paths)
    (entry,) = read_ingest_log(data_paths).to_dicts()
    raw = sorted(data_paths.raw.glob("dinsos/**/tahun=*/**/*.parquet"))
    quarantine = sorted(p for p in (data_paths.quarantine / "dinsos").rglob("*.*") if p.is_file())
    assert raw and len(quarantine) == 3  # rows, errors, feedback workbook
    loaded = entry["dimuat_pada"]
    assert BANSOS.retention_days == 90
    assert not purge(
        data_paths, read_ingest_log(data_paths), now=loaded + timedelta(days=89)
    ).files  # not yet due
    assert sent.exists()

    report = purge(data_paths, read_ingest_log(data_paths), now=loaded + timedelta(days=91))
    assert not sent.exists()
    assert not list(data_paths.landing_archive.rglob(f"{entry['sha256']}.*"))
    assert not any(q.exists() for q in quarantine)
    assert len(report.files) == 5  # landing, archive, quarantine rows + errors, feedback
    assert all(f.exists() for f in raw)  # pseudonymised rows: what the marts are built from
    (gone,) = report.removed.to_dicts()
    assert (gone["sha256"], gone["alasan"], gone["baris_dibaca"]) == (entry["sha256"], "retensi", 6)
    assert (gone["baris_dimuat"], gone["baris_karantina"]) == (2, 4)
    assert read_purge_log(data_paths)["sha256"].to_list() == [entry["sha256"]]
    assert read_ingest_log(data_paths)["sha256"].to_list() == [entry["sha256"]]  # untouched
    assert "1 versi berkas data pribadi dihapus" in report.summary()

    again = purge(
        data_paths, read_ingest_log(data_paths), now=loaded + timedelta(days=120)
    )  # idempotent
    assert not again.files and "sudah bersih" in again.summary()
    assert read_purge_log(data_paths).height == 1
    assert ingest_source(BANSOS, data_paths) == []  # nothing left to load, raw unchanged
    assert all(f.exists() for f in raw)


def test_purge_on_request_from_the_command_line(data_paths):
    write_bansos(data_paths)
    second = write_bansos(data_paths, "penerima_bansos_permakanan.csv")
    second.write_text(second.read_text().replace(";BST;", ";PERMAKANAN;"), encoding="utf-8")
    ingest_source(BANSOS, data_paths)
    log = read_ingest_log(data_paths)
    assert log.height == 2
    bst = log.filter(pl.col("berkas").str.ends_with("_bst.csv"))["sha256"][0]
    cli = CliRunner()
    args = ["hapus-data-pribadi", "--data-dir", str(data_paths.root)]

    unknown = cli.invoke(app, [*args, "--berkas", "deadbeefdeadbeef"])
    assert unknown.exit_code == 1 and "tidak ada yang dihapus" in unknown.output
    one = cli.invoke(app, [*args, "--berkas", bst[:12]])
    assert one.exit_code == 0, one.output
    assert bst[:12] in one.output and "1 versi berkas data pribadi dihapus" in one.output
    assert second.exists()
    twice = cli.invoke(app, [*args, "--berkas", bst[:12]])
    assert twice.exit_code == 0 and "sudah bersih" in twice.output

    nothing = cli.invoke(app, [*args, "--sebelum", "2000-01-01"])
    assert "sudah bersih" in nothing.output and second.exists()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    rest = cli.invoke(app, [*args, "--sebelum", tomorrow])
    assert rest.exit_code == 0 and "1 versi berkas data pribadi dihapus" in rest.output
    assert not second.exists()
    assert set(read_purge_log(data_paths)["alasan"]) == {"permintaan"}
    bad = cli.invoke(app, [*args, "--sebelum", "31/01/2026"])
    assert bad.exit_code == 1 and "TTTT-BB-HH" in bad.output
    assert date.fromisoformat(tomorrow)  # the format the message asks for
