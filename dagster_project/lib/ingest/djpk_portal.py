"""DJPK portal files: one pemda's APBD and realisation per year, as the portal shows them.

The portal (djpk.kemenkeu.go.id, "APBD per daerah") gives one table per pemda and year:
`akun, anggaran, realisasi, persentase`, about 30–45 rows from *Pendapatan Daerah* down to
*Pengeluaran Pembiayaan Daerah*. It has changed shape over the years, and both shapes are normal:

- 2021: plain numbers in Rp miliar (`2223.07`), names indented by spaces to show the hierarchy
  (not in every file), typos as published (`Belanjaodal`, `Penyertaanodal Daerah`);
- 2023: Indonesian-formatted strings with a unit suffix (`"10.723,82 M"`), a leading space on every
  name, and a group shown twice when it has one line (*Belanja Pegawai* above *Belanja Pegawai*).

What this module guarantees, whatever the shape: every row is placed in the one account tree of
the portal (`dbt/seeds/ref_akun_djpk_portal.csv`: its groups, the Permendagri 90 code where a row
is one, the names and typos seen), so a total is never counted twice:
- a repeated row (same account, same figures) is kept as `duplikat` and not counted;
- a row the portal computes (Surplus/(Defisit), net financing) is `hitungan`;
- the 2023 financing section adds short-named rows with no budget that repeat a sibling's
  realisation (`Penyertaan Modal` beside `Penyertaan Modal Daerah`): `realisasi_portal`, kept with
  their figures, never summed into a parent;
- a parent row whose figure differs from the sum of its rows (beyond the portal's rounding) keeps
  the file's figure and says so in `catatan` (the portal's own realisation subtotals of financing
  disagree with their rows in 2023): the file's figures are what it publishes, the note is what a
  reader must know.
An empty cell stays empty (null, with a note), never zero. Amounts become exact DECIMAL rupiah
(`"10.723,82 M"` -> Rp10.723.820.000.000). A file this module cannot read completely (a missing
column, a value that is not a number, an account name it does not know, one account twice with
different figures) is refused with a reason naming the column, the row and the value
(`PortalFileError`): never a silently wrong total.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import polars as pl

from dagster_project.lib.core.paths import DBT_DIR
from dagster_project.lib.ingest.readers import (
    LINE_COL,
    LandingFileError,
    RawTable,
    _read_csv_cells,
    sniff_format,
)

COLUMNS = ("akun", "anggaran", "realisasi", "persentase")
HEADER_WORDS = {
    "akun": ("akun", "uraian", "nama akun", "rekening"),
    "anggaran": ("anggaran", "pagu", "apbd"),
    "realisasi": ("realisasi",),
    "persentase": ("persentase", "persen", "%"),
}
# Unit suffixes the portal writes after a number; a plain number is Rp miliar (the 2021 shape).
UNITS = {
    "": Decimal(10) ** 9,
    "m": Decimal(10) ** 9,
    "miliar": Decimal(10) ** 9,
    "milyar": Decimal(10) ** 9,
    "t": Decimal(10) ** 12,
    "triliun": Decimal(10) ** 12,
    "jt": Decimal(10) ** 6,
    "juta": Decimal(10) ** 6,
}
_NUMBER = re.compile(r"^(?P<num>-?[\d.,]+)\s*(?P<unit>[a-z]*)$")
_ID_GROUPED = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$|^-?\d+,\d+$")  # 10.723,82 / 0,00
_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")  # 2223.07
CENT = Decimal("0.01")
# A parent may differ from the sum of its rows by the portal's rounding to Rp0,01 miliar per row.
ROUNDING_PER_ROW = Decimal("0.005") * Decimal(10) ** 9


class PortalFileError(LandingFileError):
    """The file cannot be read as a DJPK portal table; `message` says where and why (Indonesian)."""


@dataclass(frozen=True)
class Akun:
    kode: str  # the portal tree's code: a Permendagri 90 code or a portal group (P5.LAIN)
    nama: str
    induk: str | None
    jenis_baris: str  # akun | hitungan
    kode_permendagri: str | None


@lru_cache(maxsize=1)
def account_tree() -> dict[str, Akun]:
    with (DBT_DIR / "seeds" / "ref_akun_djpk_portal.csv").open(encoding="utf-8", newline="") as f:
        return {
            r["kode_akun_portal"]: Akun(
                r["kode_akun_portal"],
                r["nama_akun"],
                r["induk"] or None,
                r["jenis_baris"],
                r["kode_akun_permendagri"] or None,
            )
            for r in csv.DictReader(f)
        }


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).strip().lower()
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    with (DBT_DIR / "seeds" / "ref_akun_djpk_portal.csv").open(encoding="utf-8", newline="") as f:
        out: dict[str, str] = {}
        for r in csv.DictReader(f):
            for name in [r["nama_akun"], *filter(None, r["alias"].split("|"))]:
                out[_key(name)] = r["kode_akun_portal"]
        return out


def depth(kode: str) -> int:
    tree, n = account_tree(), 0
    while (parent := tree[kode].induk) is not None:
        kode, n = parent, n + 1
    return n


def parse_amount(text: str | None, *, column: str, line: int) -> Decimal | None:
    """`"10.723,82 M"`, `"2223.07"` (Rp miliar), `"1,5 T"` -> exact rupiah; empty -> None."""
    raw = unicodedata.normalize("NFKC", text or "").strip().lower()
    raw = re.sub(r"^rp\.?\s*", "", raw).replace(" ", "")
    if raw in ("", "-"):
        return None
    m = _NUMBER.match(raw)
    if not m or m["unit"] not in UNITS:
        raise PortalFileError(
            f"Baris {line}, kolom '{column}': nilai '{text}' tidak terbaca sebagai angka "
            f"(contoh yang dikenal: 2223.07 atau 10.723,82 M; satuan: M, T, Jt).",
            rule="angka_tidak_terbaca",
        )
    num = m["num"]
    if _ID_GROUPED.match(num):
        num = num.replace(".", "").replace(",", ".")
    elif not _PLAIN.match(num):
        raise PortalFileError(
            f"Baris {line}, kolom '{column}': angka '{text}' tidak jelas pemisah ribuan dan "
            "desimalnya.",
            rule="angka_tidak_terbaca",
        )
    try:
        value = Decimal(num) * UNITS[m["unit"]]
    except InvalidOperation as exc:  # pragma: no cover - the patterns above admit only numbers
        raise PortalFileError(f"Baris {line}, kolom '{column}': '{text}'.", rule="angka") from exc
    return value.quantize(CENT)


def parse_percent(text: str | None, *, line: int) -> Decimal | None:
    raw = (text or "").strip().replace("%", "").replace(" ", "")
    if raw in ("", "-"):
        return None
    if _ID_GROUPED.match(raw) and "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    if not _PLAIN.match(raw):
        raise PortalFileError(
            f"Baris {line}, kolom 'persentase': nilai '{text}' bukan persen.",
            rule="angka_tidak_terbaca",
        )
    return Decimal(raw).quantize(CENT)


def _header(cells: pl.DataFrame) -> tuple[int, dict[str, str]]:
    """(row index of the header, {our column: the file's column}) — all four must be found."""
    for i, row in enumerate(cells.head(10).iter_rows()):
        found: dict[str, str] = {}
        for col, value in zip(cells.columns, row, strict=True):
            word = _key(value or "")
            for ours, words in HEADER_WORDS.items():
                if ours not in found and any(word == _key(w) or word == w for w in words):
                    found[ours] = col
        if len(found) >= 2:
            missing = [c for c in COLUMNS if c not in found]
            if missing:
                seen = ", ".join(f"'{v}'" for v in row if v)
                raise PortalFileError(
                    f"Kolom {', '.join(repr(c) for c in missing)} tidak ditemukan. Kolom di berkas: "
                    f"{seen}. Tabel portal DJPK berkolom akun, anggaran, realisasi, persentase.",
                    rule="kolom_tidak_ditemukan",
                )
            return i, found
    raise PortalFileError(
        "Baris judul kolom (akun, anggaran, realisasi, persentase) tidak ditemukan di 10 baris "
        "pertama.",
        rule="kolom_tidak_ditemukan",
    )


def read_cells(path: Path) -> pl.DataFrame:
    """The file's cells as text (CSV in any delimiter or encoding the loader accepts, or XLSX)."""
    if path.suffix.lower() in (".xlsx", ".xls"):
        import fastexcel

        try:
            sheet = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string")
        except Exception as exc:  # calamine's own error types
            raise PortalFileError(
                "Berkas Excel rusak atau tidak dapat dibuka.", rule="xlsx_rusak"
            ) from exc
        return sheet.to_polars()
    return _read_csv_cells(path.read_bytes())[0]


def portal_rows(cells: pl.DataFrame) -> pl.DataFrame:
    """The portal table as rows of the account tree, amounts in exact rupiah.

    Columns: `baris` (line in the file), `akun_asli` (as written), `indentasi` (leading spaces),
    `kode_akun_portal`, `nama_akun`, `induk`, `tingkat` (depth in the tree),
    `kode_akun_permendagri`, `jenis_baris` (akun | hitungan | duplikat), `anggaran_rp`,
    `realisasi_rp`, `persentase`.
    """
    top, cols = _header(cells)
    by_name, tree = _by_name(), account_tree()
    rows: list[dict[str, object]] = []
    unknown: list[str] = []
    seen: dict[str, dict[str, object]] = {}
    for i, cell in enumerate(cells.slice(top + 1).iter_rows(named=True), start=top + 2):
        name = cell[cols["akun"]] or ""
        if not name.strip() and not any(cell[cols[c]] for c in COLUMNS[1:]):
            continue  # an empty line
        kode = by_name.get(_key(name))
        if kode is None:
            unknown.append(f"baris {i}: '{name.strip()}'")
            continue
        akun = tree[kode]
        row: dict[str, object] = {
            "baris": i,
            "akun_asli": name,
            "indentasi": len(name) - len(name.lstrip(" \u00a0")),
            "kode_akun_portal": kode,
            "nama_akun": akun.nama,
            "induk": akun.induk,
            "tingkat": depth(kode),
            "kode_akun_permendagri": akun.kode_permendagri,
            "jenis_baris": akun.jenis_baris,
            "anggaran_rp": parse_amount(cell[cols["anggaran"]], column="anggaran", line=i),
            "realisasi_rp": parse_amount(cell[cols["realisasi"]], column="realisasi", line=i),
            "persentase": parse_percent(cell[cols["persentase"]], line=i),
            "catatan": None,
        }
        empty = [c for c in ("anggaran", "realisasi") if row[f"{c}_rp"] is None]
        if empty:
            row["catatan"] = f"{' dan '.join(empty)} kosong di portal"
        if (first := seen.get(kode)) is not None:
            same = all(first[k] == row[k] for k in ("anggaran_rp", "realisasi_rp"))
            if not same:
                raise PortalFileError(
                    f"Akun '{akun.nama}' muncul dua kali dengan nilai berbeda (baris "
                    f"{first['baris']} dan {i}): tidak jelas mana yang benar.",
                    rule="akun_ganda_berbeda",
                )
            row["jenis_baris"] = "duplikat"  # a group shown above its one line: counted once
        else:
            seen[kode] = row
        rows.append(row)
    if unknown:
        raise PortalFileError(
            "Nama akun tidak dikenal (tambahkan ke dbt/seeds/ref_akun_djpk_portal.csv bila benar): "
            + "; ".join(unknown[:10])
            + (f" … dan {len(unknown) - 10} lagi" if len(unknown) > 10 else ""),
            rule="akun_tidak_dikenal",
        )
    if not rows:
        raise PortalFileError("Tabel portal DJPK tidak berisi baris akun.", rule="berkas_kosong")
    _note_subtotals(seen)
    money = pl.Decimal(20, 2)
    return pl.DataFrame(
        rows,
        schema={
            "baris": pl.Int32,
            "akun_asli": pl.String,
            "indentasi": pl.Int32,
            "kode_akun_portal": pl.String,
            "nama_akun": pl.String,
            "induk": pl.String,
            "tingkat": pl.Int32,
            "kode_akun_permendagri": pl.String,
            "jenis_baris": pl.String,
            "anggaran_rp": money,
            "realisasi_rp": money,
            "persentase": pl.Decimal(9, 2),
            "catatan": pl.String,
        },
        orient="row",
    )


def _note_subtotals(rows: dict[str, dict[str, object]]) -> None:
    """A parent row should equal the sum of its account rows in the file, up to the portal's
    rounding; where it does not, its `catatan` says by how much (the file's figure is kept)."""
    children: dict[str, list[dict[str, object]]] = {}
    for row in rows.values():
        if row["induk"] is not None and row["jenis_baris"] == "akun":
            children.setdefault(str(row["induk"]), []).append(row)
    for parent, kids in children.items():
        if parent not in rows:
            continue
        notes = []
        for col in ("anggaran_rp", "realisasi_rp"):
            figure = rows[parent][col]
            if figure is None:
                continue
            total = sum((k[col] or Decimal(0) for k in kids), Decimal(0))
            diff = figure - total
            if abs(diff) > ROUNDING_PER_ROW * (len(kids) + 1):
                notes.append(
                    f"{col.removesuffix('_rp')} berbeda Rp{_rp(diff)} dari jumlah {len(kids)} "
                    f"rinciannya (Rp{_rp(total)})"
                )
        if notes:
            rows[parent]["catatan"] = "; ".join(filter(None, [rows[parent]["catatan"], *notes]))


def _rp(value: Decimal) -> str:
    return f"{value:,.0f}".replace(",", ".")


def read_portal(path: Path) -> pl.DataFrame:
    """One DJPK portal file (CSV or XLSX) as `portal_rows`."""
    return portal_rows(read_cells(Path(path)))


def raw_table(path: Path) -> RawTable:
    """The loader's reader for a contract with customProperty `shape: djpk_portal`: the portal
    rows as text cells named as the contract names them (`_baris` = line in the file), so the
    file is checked, quarantined and logged like any other. The folder and name give `tahun` and
    `pemda`; a file this module cannot read is refused whole (PortalFileError, Indonesian)."""
    path = Path(path)
    with path.open("rb") as fh:
        fmt = sniff_format(fh.read(4096))
    if fmt != "csv" and fmt != "xlsx":
        raise PortalFileError(
            "Berkas ini bukan tabel CSV atau XLSX dari portal DJPK (kosong, HTML atau .xls lama). "
            "Unduh ulang tabel APBD per daerah sebagai CSV atau XLSX.",
            rule="bukan_tabel",
        )
    rows = read_portal(path)
    frame = rows.select(
        pl.col("baris").alias(LINE_COL),
        *[pl.col(c).cast(pl.String) for c in rows.columns if c != "baris"],
    )
    return RawTable(frame=frame, file_format=f"djpk_portal({fmt})", header_line=1)


def totals(rows: pl.DataFrame) -> dict[str, Decimal]:
    """Anggaran per top account as the file states it (Pendapatan Daerah, Belanja Daerah, …)."""
    top = rows.filter((pl.col("tingkat") == 0) & (pl.col("jenis_baris") != "duplikat"))
    return dict(zip(top["kode_akun_portal"], top["anggaran_rp"], strict=True))
