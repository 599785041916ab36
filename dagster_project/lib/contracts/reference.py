"""Code lists (the dbt seeds) as ingest sees them: which codes are valid in which fiscal year.

The seeds in `dbt/seeds/` are the single copy of every code list; dbt loads them into the
warehouse and ingest reads the same CSVs to judge each row against its own fiscal year's list.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl

from dagster_project.lib.core.paths import SEEDS_DIR

FIRST_YEAR, LAST_YEAR = 2000, 2100


def _stamp(name: str) -> tuple[Path, int, int]:
    """(path, mtime, size) of a seed CSV: the cache key, so an edited code list is read again."""
    path = SEEDS_DIR / f"{name}.csv"
    st = path.stat()
    return path, st.st_mtime_ns, st.st_size


def seed(name: str) -> pl.DataFrame:
    """A seed CSV with every column as text (codes stay text, `1.01` never becomes a number).

    Read once per version of the file: every landing file is checked against the same lists."""
    return _read_seed(*_stamp(name))


@lru_cache(maxsize=64)
def _read_seed(path: Path, mtime_ns: int, size: int) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def parameters(name: str) -> dict[str, float]:
    """A rule kept as data (`ref_aturan_tier`, `ref_aturan_dampak`: one row per `kode_parameter`
    with its `nilai`) as {kode_parameter: nilai}, read once per version of the seed."""
    rows = seed(name).select("kode_parameter", "nilai").iter_rows()
    return {kode: float(nilai) for kode, nilai in rows}


def validity(name: str, column: str) -> pl.DataFrame:
    """(code, tahun_mulai, tahun_selesai) for a code column; unversioned lists are always valid."""
    return _validity(*_stamp(name), column)


@lru_cache(maxsize=64)
def _validity(path: Path, mtime_ns: int, size: int, column: str) -> pl.DataFrame:
    df = _read_seed(path, mtime_ns, size)
    start = (
        pl.col("tahun_mulai").cast(pl.Int32) if "tahun_mulai" in df.columns else pl.lit(FIRST_YEAR)
    )
    end = pl.col("tahun_selesai").cast(pl.Int32) if "tahun_selesai" in df.columns else pl.lit(None)
    return df.select(
        pl.col(column).alias("kode"),
        start.cast(pl.Int32).alias("tahun_mulai"),
        end.cast(pl.Int32).fill_null(LAST_YEAR).alias("tahun_selesai"),
    ).unique()


def support_program_form(code: pl.Expr) -> pl.Expr:
    """`1.02.01.2.02.0001` -> `X.XX.01.2.02.0001`: the support program as the nomenclature lists it.

    In a DPA the 'Program Penunjang Urusan Pemerintahan Daerah' (program 01) is instantiated with
    the OPD's own bidang urusan; Permendagri 90 lists it once as X.XX.
    """
    return pl.when(code.str.slice(5, 3) == "01.").then(pl.lit("X.XX") + code.str.slice(4))


def check_codes(
    frame: pl.LazyFrame, column: str, year_column: str, ref: tuple[str, str], *, key: str
) -> pl.LazyFrame:
    """(`key`, `reason`) per row of `frame`: reason null if the code is valid in the row's year,
    else why not (Indonesian). `key` identifies a row of `frame` (ingest: its row in the batch)."""
    name, ref_col = ref
    valid = validity(name, ref_col).lazy()
    rows = frame.select(
        pl.col(key),
        pl.col(column).alias("kode"),
        pl.col(year_column).cast(pl.Int32).alias("tahun"),
    )
    if name == "ref_nomenklatur":  # a support program is also valid in its X.XX form
        support = rows.with_columns(support_program_form(pl.col("kode")).alias("kode"))
        candidates = pl.concat([rows, support.drop_nulls("kode")])
    else:
        candidates = rows
    joined = candidates.join(valid, on="kode", how="left")
    per_row = joined.group_by(key).agg(
        known=pl.col("tahun_mulai").is_not_null().any(),
        valid=(
            (pl.col("tahun") >= pl.col("tahun_mulai"))
            & (pl.col("tahun") <= pl.col("tahun_selesai"))
        ).any(),
        first=pl.col("tahun_mulai").min(),
        last=pl.col("tahun_selesai").max(),
    )
    out = rows.join(per_row, on=key, how="left")
    label = _LABELS.get(name, name)
    reason = (
        pl.when(pl.col("kode").is_null() | pl.col("valid"))
        .then(None)
        .when(~pl.col("known"))
        .then(
            pl.format(
                "kode {} '{}' tidak dikenal dalam {}", pl.lit(column), pl.col("kode"), pl.lit(label)
            )
        )
        .when(pl.col("tahun") > pl.col("last"))
        .then(
            pl.format(
                "kode {} '{}' sudah tidak berlaku pada tahun {} (berlaku s.d. {}) dalam {}",
                pl.lit(column),
                pl.col("kode"),
                pl.col("tahun"),
                pl.col("last"),
                pl.lit(label),
            )
        )
        .otherwise(
            pl.format(
                "kode {} '{}' belum berlaku pada tahun {} (mulai {}) dalam {}",
                pl.lit(column),
                pl.col("kode"),
                pl.col("tahun"),
                pl.col("first"),
                pl.lit(label),
            )
        )
    )
    return out.select(pl.col(key), reason.alias("reason"))


_SIGN_WORDS = {"positif": "positif", "negatif": "negatif", "bukan_nol": "bukan nol"}


def check_sign(column: str, rule: dict[str, str]) -> pl.Expr:
    """Per row: null if `column` has the sign the code list allows for the row's type, else the
    reason (Indonesian). `rule` is the contract's `signRule`: {column: the type column,
    reference: "seed.sign_column"}, the seed keyed by a column of the type column's name, with sign
    values positif, negatif or bukan_nol. Unknown types
    pass here: the type column's own reference check reports them."""
    name, sign_col = rule["reference"].split(".", 1)
    kind_col = rule["column"]
    signs = seed(name).select(kind_col, sign_col).drop_nulls(kind_col)
    tanda = pl.col(kind_col).replace_strict(
        signs[kind_col], signs[sign_col], default=None, return_dtype=pl.String
    )
    v = pl.col(column)
    wrong = (
        ((tanda == "positif") & (v <= 0))
        | ((tanda == "negatif") & (v >= 0))
        | ((tanda == "bukan_nol") & (v == 0))
    )
    return pl.when(v.is_not_null() & wrong.fill_null(False)).then(
        pl.format(
            "kolom {}: nilai {} harus {} untuk {} {}",
            pl.lit(column),
            v.cast(pl.String),
            tanda.replace_strict(_SIGN_WORDS, default=tanda),
            pl.lit(kind_col),
            pl.col(kind_col),
        )
    )


_LABELS = {
    "ref_nomenklatur": "nomenklatur sub kegiatan Permendagri 90",
    "ref_akun": "kode rekening belanja",
    "ref_sumber_dana": "kode sumber dana",
    "ref_opd": "daftar OPD Kota Samarinda",
    "ref_wilayah": "kode wilayah Kota Samarinda",
    "ref_indikator": "daftar indikator outcome wilayah (ref_indikator)",
    "ref_jenis_sp2d": "daftar jenis SP2D (UP, GU, GU_NIHIL, TU, TU_NIHIL, LS, PENGEMBALIAN, KOREKSI)",
}


def opd_codes(tahun: int | None = None) -> list[str]:
    """OPD master codes (valid in `tahun` when given): the one list partitions and dbt share."""
    v = validity("ref_opd", "kode_skpd")
    if tahun is not None:
        v = v.filter((pl.col("tahun_mulai") <= tahun) & (pl.col("tahun_selesai") >= tahun))
    return sorted(v["kode"].unique().to_list())
