"""`apbd laporan --pembanding` (issue 13 §5): Samarinda among its peers, XLSX/HTML/PDF through the
same writers as the finance report, on the suite's one published demo (real DJPK and BPS figures
embedded in the demo). Every figure in the workbook is the published mart's, the user's peer group
changes the peers, and a bad choice is refused in Indonesian with nothing written."""

from __future__ import annotations

import shutil
from decimal import Decimal

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from dagster_project.cli import app
from dagster_project.lib.outputs import pembanding as pb
from dagster_project.lib.outputs.reports import ReportError
from dagster_project.lib.publish.publisher import open_published, sha256_file

HEADER_ROW = 4  # title, subtitle, blank, then the headings (as the finance report)


def mart(paths, sql: str, params: dict | None = None) -> list[tuple]:
    with open_published(paths) as con:
        return con.execute(sql, params or {}).fetchall()


@pytest.fixture(scope="module")
def peer_demo(published_demo):
    """The shared demo, once it carries the peer figures (the embedded real national files)."""
    (n,) = mart(
        published_demo,
        "select count(*) from information_schema.tables where table_schema = 'marts' "
        "and table_name = 'mart_posisi_pembanding'",
    )[0]
    if not n or not mart(
        published_demo,
        "select 1 from marts.mart_posisi_pembanding where kode_pemda = $k limit 1",
        {"k": pb.PEMDA_SENDIRI},
    ):
        pytest.skip("the published demo has no peer figures yet (embedded DJPK/BPS files)")
    return published_demo


def run_cli(paths, *args: str):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APBD_DATA_DIR", str(paths.root))
        return CliRunner().invoke(app, ["laporan", *args])


def sheet_rows(ws) -> list[dict]:
    heads = [c.value for c in ws[HEADER_ROW]]
    return [
        dict(zip(heads, row, strict=True))
        for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)
        if any(v is not None for v in row)
    ]


@pytest.fixture(scope="module")
def laporan_pembanding(peer_demo, tmp_path_factory, artifacts_dir):
    out = tmp_path_factory.mktemp("pembanding")
    before = sha256_file(peer_demo.published_db)
    result = run_cli(
        peer_demo, "--pembanding", "-f", "xlsx", "-f", "pdf", "-f", "html", "--keluar", str(out)
    )
    assert result.exit_code == 0, result.output
    assert sha256_file(peer_demo.published_db) == before  # read-only, byte for byte
    for p in out.iterdir():  # for a person to open
        shutil.copyfile(p, artifacts_dir / p.name)
    return out, result.output


def test_the_default_report_compares_samarinda_with_its_comparable_group(
    laporan_pembanding, peer_demo
):
    out, output = laporan_pembanding
    (tahun,) = mart(
        peer_demo,
        "select max(tahun) from marts.mart_posisi_pembanding where kode_pemda = $k",
        {"k": pb.PEMDA_SENDIRI},
    )[0]
    stem = f"laporan_pembanding_{tahun}_kota_samarinda_{pb.KELOMPOK_BAWAAN}"
    assert sorted(p.name for p in out.iterdir()) == [f"{stem}.{f}" for f in ("html", "pdf", "xlsx")]
    pdf = (out / f"{stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.count(b"/Type /Page\n") >= 3
    html = (out / f"{stem}.html").read_text(encoding="utf-8")
    assert "Kota Samarinda di antara pemda pembanding" in html and "Persentil" in html

    wb = openpyxl.load_workbook(out / f"{stem}.xlsx")
    assert wb.sheetnames == ["Posisi", "Pembanding", "Catatan"]
    expected = {
        r[0]: r[1:]
        for r in mart(
            peer_demo,
            """select kode_ukuran, nama_ukuran, nilai, median_kelompok, persentil_kelompok,
                persentil_nasional, jumlah_pembanding, kalimat
            from marts.mart_posisi_pembanding
            where kode_pemda = $k and kode_kelompok = $g and tahun = $t""",
            {"k": pb.PEMDA_SENDIRI, "g": pb.KELOMPOK_BAWAAN, "t": tahun},
        )
    }
    posisi = sheet_rows(wb["Posisi"])
    assert len(posisi) == len(expected) >= 5
    by_name = {v[0]: v for v in expected.values()}
    for row in posisi:  # every figure as the mart has it: value, median, percentiles, sample
        nama, nilai, median, p_kel, p_nas, n, kalimat = by_name[row["Ukuran"]]
        assert row["Nilai"] == pytest.approx(float(nilai)), nama
        assert row["Median kelompok"] == pytest.approx(float(median)), nama
        assert row["Persentil dalam kelompok (0–100)"] == pytest.approx(float(p_kel)), nama
        assert row["Persentil nasional (0–100)"] == pytest.approx(float(p_nas)), nama
        assert row["Jumlah pemda dengan angka ini"] == n
        assert row["Kalimat"] == kalimat and "median" in kalimat
        assert kalimat in output.replace("\n", " ") or kalimat.split(",")[0] in output
    # the spending shares and the outcomes a planner is asked about are there
    assert {"belanja_per_kapita_rp", "porsi_belanja_pegawai_persen", "ipm"} <= expected.keys()
    assert posisi[0]["Ukuran"] == by_name[expected["belanja_per_kapita_rp"][0]][0]

    members = mart(
        peer_demo,
        """select nama_pemda_pembanding from marts.mart_kelompok_pembanding
        where kode_pemda = $k and kode_kelompok = $g""",
        {"k": pb.PEMDA_SENDIRI, "g": pb.KELOMPOK_BAWAAN},
    )
    anggota = sheet_rows(wb["Pembanding"])
    assert sorted(r["Pemda"] for r in anggota) == sorted(m[0] for m in members)
    assert [r["Pemda"] for r in anggota if r["Keterangan"]] == ["Kota Samarinda"]
    bold = [  # Samarinda's row stands out (bold, shaded), and only its row
        c.value for c in wb["Pembanding"]["A"][HEADER_ROW:] if c.value and c.font and c.font.b
    ]
    assert bold == ["Kota Samarinda"]
    assert 'class="sorot"><td class="text">Kota Samarinda</td>' in html
    ws = wb["Pembanding"]
    heads = [c.value for c in ws[HEADER_ROW]]
    assert ws.cell(HEADER_ROW + 1, heads.index("Belanja per kapita") + 1).number_format == (
        "[$Rp-421]#,##0"
    )
    assert ws.cell(HEADER_ROW + 1, heads.index("Belanja pegawai") + 1).number_format == "0.0%"
    catatan = dict(
        wb["Catatan"].iter_rows(min_row=4, max_col=2, values_only=True)  # type: ignore[arg-type]
    )
    assert f"{len(members)} pemda dalam kelompok" in catatan["Jumlah pemda"]
    assert catatan["Aturan kelompok"] and catatan["Persentil"].startswith("Persen pemda lain")


def test_the_users_peer_group_changes_the_peers(peer_demo):
    with open_published(peer_demo) as con:
        groups = [g["kode_kelompok"] for g in pb.daftar_kelompok(con, pb.PEMDA_SENDIRI)]
        assert groups[0] == pb.KELOMPOK_BAWAAN and {"provinsi", "nasional"} <= set(groups)
        sebanding = pb.resolve_pembanding(con)
        provinsi = pb.resolve_pembanding(con, kelompok="Seprovinsi")  # by name too
        rep = {p.kode_kelompok: pb.build_pembanding_report(con, p) for p in (sebanding, provinsi)}
        (prov,) = con.execute(
            "select nama_provinsi from reference.ref_pemda where kode_pemda = $k",
            {"k": pb.PEMDA_SENDIRI},
        ).fetchone()
    peers = {k: {r["nama_pemda"] for r in r_.tables[1].rows} for k, r_ in rep.items()}
    assert peers["sebanding"] != peers["provinsi"]
    assert "Kota Samarinda" in peers["sebanding"] & peers["provinsi"]
    assert {r["nama_provinsi"] for r in rep["provinsi"].tables[1].rows} == {prov}
    assert provinsi.jumlah_pemda == len(peers["provinsi"])
    # and so do the medians: the report says the group's, not another's
    medians = {
        k: {r["kode_ukuran"]: r["median_kelompok"] for r in r_.tables[0].rows}
        for k, r_ in rep.items()
    }
    assert medians["sebanding"] != medians["provinsi"]
    assert rep["provinsi"].file_stem.endswith("_provinsi")


def test_a_bad_choice_is_refused_in_indonesian_and_nothing_is_written(peer_demo, tmp_path):
    result = run_cli(
        peer_demo, "--pembanding", "--kelompok", "kecamatan", "--keluar", str(tmp_path)
    )
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "Gagal: Kelompok pembanding 'kecamatan' tidak dikenal" in text
    assert "sebanding = Kota/kabupaten sebanding" in text and "--kelompok sebanding" in text
    result = run_cli(peer_demo, "--pembanding", "--tahun", "1999", "--keluar", str(tmp_path))
    assert result.exit_code == 1 and "Tahun 1999 tidak ada di mart pembanding" in result.output
    result = run_cli(peer_demo, "--pembanding", "--pemda", "Atlantis", "--keluar", str(tmp_path))
    assert result.exit_code == 1 and "Pemda 'Atlantis' tidak ada" in result.output
    result = run_cli(peer_demo, "--pembanding", "--opd", "dinkes", "--keluar", str(tmp_path))
    assert result.exit_code == 1 and "tidak berlaku untuk laporan pembanding" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_mart_without_peer_figures_gets_a_plain_answer():
    """A published file from before the peer marts (or with them empty) is refused with what to
    do, not a SQL error (a real DuckDB, no demo needed)."""
    con = duckdb.connect()
    con.execute("create schema marts")
    with pytest.raises(ReportError, match="belum ada di mart terbit") as exc:
        pb.resolve_pembanding(con)
    assert "make run" in exc.value.hint
    for table in ("mart_posisi_pembanding", "mart_pembanding_pemda", "mart_kelompok_pembanding"):
        con.execute(
            f"create table marts.{table} (kode_pemda varchar, nama_pemda varchar, "
            "kode_kelompok varchar, nama_kelompok varchar, tahun integer, "
            "kode_pemda_pembanding varchar, nama_pemda_pembanding varchar)"
        )
    con.execute("create schema reference")
    con.execute(
        "create table reference.ref_pemda (kode_pemda varchar, nama_pemda varchar, kode_bps varchar)"
    )
    con.execute(
        "insert into marts.mart_kelompok_pembanding values "
        "('64.72', 'Kota Samarinda', 'sebanding', 'Kota/kabupaten sebanding', null, '64.72', "
        "'Kota Samarinda')"
    )
    with pytest.raises(ReportError, match="Belum ada angka pembanding untuk Kota Samarinda"):
        pb.resolve_pembanding(con)


def test_figures_read_as_a_person_says_them():
    assert pb.teks_nilai("rp", Decimal("4514798.29")) == "Rp4.514.798"
    assert pb.teks_nilai("persen", Decimal("27.90")) == "27,9 %"
    assert pb.teks_nilai("persen", Decimal("4.99")) == "5,0 %"
    assert pb.teks_nilai("angka", Decimal("80.76")) == "80,76"
