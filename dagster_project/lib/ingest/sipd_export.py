"""SIPD's whole-pemda *rincian belanja* export, split into one DPA rincian part per OPD.

Bappeda downloads from SIPD RI one sheet holding every OPD's budget lines for one tahapan
(`data_contracts/sources/sipd__rincian_pemda.odcs.yaml`: one row per component, no volume or unit
price; rows with an empty `kode_rekening`, and no component, are group headings). Ingest loads it as if every OPD had
sent its own `sipd.dpa_rincian` file: this module cuts the sheet read with the export's contract
into one part per `kode_skpd` (the contract's `splitColumn`), with its columns renamed to the
target contract's names (each export column's `loadsAs`), and the loader then checks, quarantines
and replaces each part's slot (tahun, OPD, tahap) exactly like a per-OPD file: the same contract,
the same messages, one feedback workbook per OPD, the latest arrival per slot wins.

What the export does not carry stays empty, never invented: `volume`, `satuan`,
`harga_satuan_rp`, `koefisien` and `kode_lokasi` are NULL (the contract allows it; a line without
a location follows its sub kegiatan's location downstream). `no_rincian` (the target's key) is
the row's order within its OPD × sub kegiatan in the sheet (the contract's `lineNumberColumn`), so
two identical components stay two lines and a re-download in the same order keeps its numbers.

Rows that cannot be given to any OPD (empty or malformed `kode_skpd`, by the target contract's own
pattern for it) are returned apart (`Split.unplaced`): the loader rejects them with the OPD's name
and line numbers, without blocking the other OPDs. A heading row belongs to the OPD whose block it
opens (its own `kode_skpd`, else the next row's); blank, totals and repeated-header rows the reader
skipped belong to the block above them. Both are listed in that OPD's feedback as skipped.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import polars as pl

from dagster_project.lib.contracts.model import Contract
from dagster_project.lib.ingest.readers import LINE_COL, RawTable

HEADING = "baris judul kelompok (kode_rekening kosong), bukan rincian"
_OWNER = "__opd"


@dataclass
class Part:
    """One OPD's rows of the export, as a RawTable in the target contract's column names."""

    kode_skpd: str
    nama_skpd: str
    table: RawTable

    @property
    def label(self) -> str:
        return f"OPD {self.nama_skpd} ({self.kode_skpd})" if self.nama_skpd else self.kode_skpd


@dataclass
class Split:
    parts: list[Part] = field(default_factory=list)
    # rows no OPD slot can take: _baris, kode_skpd, nama_skpd (as sent)
    unplaced: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={LINE_COL: pl.Int32, "kode_skpd": pl.String, "nama_skpd": pl.String}
        )
    )
    headings: int = 0


def loads_as(export: Contract) -> dict[str, str]:
    """Export column -> target contract column (the export contract's `loadsAs`)."""
    return {c.name: c.extra["loadsAs"] for c in export.columns if c.extra.get("loadsAs")}


def split_per_opd(table: RawTable, export: Contract, target: Contract) -> Split:
    """Cut the export (read with its own contract) into one part per OPD."""
    props = export.properties
    by, heading, line_no = (
        props["splitColumn"],
        props["headingWhenEmpty"],
        props["lineNumberColumn"],
    )
    names = loads_as(export)
    slot_pattern = target.column(names[by]).pattern or r"^.+$"
    # a heading has none of these (a component without its account is a line, and is refused)
    is_heading = pl.all_horizontal(pl.col(c).is_null() for c in heading)
    frame = table.frame.with_columns(
        is_heading.alias("__judul"),
        # a heading without its own OPD opens the block of the row below it
        pl.when(is_heading)
        .then(pl.col(by).fill_null(strategy="backward").fill_null(strategy="forward"))
        .otherwise(pl.col(by))
        .alias(_OWNER),
    )
    placed = pl.col(_OWNER).str.contains(slot_pattern).fill_null(False)
    data = frame.filter(~pl.col("__judul"))
    out = Split(headings=int(frame["__judul"].sum()))
    out.unplaced = (
        data.filter(~placed)
        .select(LINE_COL, pl.col(by).alias("kode_skpd"), pl.col("nama_skpd"))
        .cast({LINE_COL: pl.Int32})
    )
    data = data.filter(placed)
    owners = data[_OWNER].unique(maintain_order=True).to_list()
    # every skipped line (reader's and headings) goes to the block it sits in
    order = frame.select(LINE_COL, _OWNER).filter(pl.col(_OWNER).is_in(owners)).sort(LINE_COL)
    lines, whose = order[LINE_COL].to_list(), order[_OWNER].to_list()
    skipped: dict[str, list[tuple[int, str]]] = {o: [] for o in owners}
    for ln, why in table.skipped_lines if whose else ():
        skipped[whose[max(bisect.bisect_left(lines, ln) - 1, 0)]].append((ln, why))
    for ln, owner in frame.filter(pl.col("__judul")).select(LINE_COL, _OWNER).iter_rows():
        if owner in skipped:
            skipped[owner].append((ln, HEADING))
    for owner, rows in data.partition_by(_OWNER, as_dict=True, maintain_order=True).items():
        (kode,) = owner
        nama = next(iter(rows["nama_skpd"].drop_nulls()), "") if "nama_skpd" in rows else ""
        part = rows.select(
            pl.col(LINE_COL), *[pl.col(src).alias(dst) for src, dst in names.items()]
        ).with_columns(
            (pl.int_range(pl.len()).over(names["kode_sub_kegiatan"]) + 1)
            .cast(pl.String)
            .alias(line_no)
        )
        out.parts.append(
            Part(
                kode,
                nama,
                RawTable(
                    frame=part,
                    file_format=table.file_format,
                    header_line=table.header_line,
                    unknown_columns=list(table.unknown_columns),
                    skipped_lines=sorted(skipped[kode]),
                ),
            )
        )
    return out
