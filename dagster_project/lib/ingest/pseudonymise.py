"""Personal data never leaves ingest (architecture rule 6).

A source contract marks a personal column with the property-level customProperty `personalData`:

- `transform: hmac`     → the column becomes `output` (e.g. `nik_hash`): HMAC-SHA256 of the
                          normalised value with a secret key, as 64 hex characters;
- `transform: age_band` → a birth date becomes `output` (e.g. `kelompok_umur`), the age band on
                          31 December of the row's fiscal year;
- `transform: drop`     → the column is removed (names).
- `transform: npwp`     → a recipient's NPWP becomes `output` (e.g. `kode_penerima`): the
                          16-digit NPWP as it stands for a company or a government office, the
                          HMAC pseudonym for an individual (whose NPWP is their NIK);
- `transform: badan_only` → a recipient's name stays only when the NPWP in `npwpColumn` is a
                          company's or a government office's; an individual's name is removed.

Which NPWP is an individual's (PMK 112/PMK.03/2022, Pasal 2 ayat (1) and Pasal 7 ayat (1)): since
14 July 2022 (all services since 1 January 2024) a resident individual's NPWP *is* their NIK, 16
digits starting with the province code (11–94, never 0); a company (badan), a government office
(instansi pemerintah) and a non-resident individual use the 16-digit NPWP, which is `0` followed
by their old 15-digit NPWP. The first two digits of the 15-digit NPWP name the taxpayer kind (the
DJP numbering convention): `00` instansi pemerintah (bendahara), `01`–`03` badan, `04`–`09`
orang pribadi. So a normalised NPWP is an individual's when it does not start with `0`, or when
its 15-digit part starts with `04`–`09`; the rest (`000…`, `001…`–`003…`) stay clear. A 15-digit
NPWP as sent (the old mask `01.234.567.8-722.000` or bare digits) is read as `0` + those digits.

Ingest calls `normalise_personal` before validation, adds `personal_data_checks` to the contract's
row checks (NIK: 16 digits and a Samarinda kecamatan prefix; birth date: plausible), and calls
`protect` right after validation, before anything is written: good rows are pseudonymised, and
quarantined rows and their error table are masked, so no Parquet file ever holds a NIK, a name or
a birth date. The key comes from `APBD_HMAC_KEY`, or from `<data>/.secrets/hmac.key`, which
`ensure_hmac_key` creates (mode 600) for `apbd run` when the variable is unset. The key is never
logged or written anywhere else.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from dagster_project.lib.contracts.model import Column, Contract
from dagster_project.lib.core.files import atomic_write
from dagster_project.lib.core.idformat import Frame
from dagster_project.lib.core.paths import DataPaths

KEY_ENV = "APBD_HMAC_KEY"
MIN_KEY_LENGTH = 16
MASK = "(disamarkan)"
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 4, "0-4"),
    (5, 14, "5-14"),
    (15, 24, "15-24"),
    (25, 44, "25-44"),
    (45, 59, "45-59"),
    (60, None, "60+"),
)

SLOT_PEMDA = "__pemda"  # the pemda of a row's landing folder (set by the loader)


class MissingKeyError(RuntimeError):
    """No HMAC key is configured: personal data cannot be ingested (message in Indonesian)."""


def key_file(paths: DataPaths) -> Path:
    return paths.root / ".secrets" / "hmac.key"


def hmac_key(paths: DataPaths) -> bytes:
    """The pseudonymisation key: `APBD_HMAC_KEY`, else the local key file, else an error."""
    value = os.environ.get(KEY_ENV) or ""
    if not value and key_file(paths).exists():
        value = key_file(paths).read_text(encoding="utf-8").strip()
    if not value:
        raise MissingKeyError(
            "Kunci HMAC untuk pseudonim NIK belum tersedia, jadi data pribadi (NIK penerima bansos, "
            f"NPWP/NIK penerima SP2D) tidak dimuat. Set variabel lingkungan {KEY_ENV}, atau jalankan `make run` sekali agar "
            "kunci lokal data/.secrets/hmac.key dibuat."
        )
    if len(value) < MIN_KEY_LENGTH:
        raise MissingKeyError(
            f"Kunci HMAC terlalu pendek (kurang dari {MIN_KEY_LENGTH} karakter); pakai kunci "
            "acak yang panjang."
        )
    return value.encode("utf-8")


def ensure_hmac_key(paths: DataPaths) -> Path | None:
    """Create the local key file (random, mode 600, folder 700) when no key is configured.

    Returns the key file path when the file is the key in use, None when the environment
    variable is set. The key itself is never printed."""
    if os.environ.get(KEY_ENV):
        return None
    target = key_file(paths)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.parent.chmod(0o700)
        with atomic_write(target) as tmp:  # created mode 600: never readable by others
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    target.chmod(0o600)
    return target


def pseudonym(value: str, key: bytes) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _personal(contract: Contract) -> list[Column]:
    return [c for c in contract.columns if c.personal_data]


# ---------------------------------------------------------------------------------------------
# Before validation


_NPWP_MASK = r"^(\d{2})\.(\d{3})\.(\d{3})\.(\d)-(\d{3})\.(\d{3})$"


def npwp_normalised(text: pl.Expr) -> pl.Expr:
    """A checked NPWP (15 or 16 digits) in its 16-digit form: 15 digits get the leading 0."""
    return pl.when(text.str.len_chars() == 15).then(pl.lit("0") + text).otherwise(text)


def npwp_is_individual(npwp16: pl.Expr) -> pl.Expr:
    """True for an individual's NPWP (a NIK, or a 15-digit NPWP of kind 04-09); module doc."""
    return ~npwp16.str.starts_with("0") | npwp16.str.slice(1, 2).is_in(
        [f"0{d}" for d in range(4, 10)]
    )


def normalise_personal(frame: Frame, contract: Contract) -> Frame:
    """NIK and NPWP as operators type them: spaces, a leading apostrophe (Excel's text marker)
    and a trailing `.0` (a number cell read as text) are removed; an NPWP in the old mask
    (01.234.567.8-722.000) loses its dots and dash. Nothing else is guessed."""
    names = frame.collect_schema().names()
    for col in _personal(contract):
        if col.personal_data.get("check") == "npwp" and col.name in names:
            frame = frame.with_columns(
                pl.col(col.name)
                .str.replace_all(r"\s+", "")
                .str.strip_chars_start("'`")
                .str.replace(r"^(\d{15,16})\.0+$", "$1")
                .str.replace(_NPWP_MASK, "$1$2$3$4$5$6")
                .replace("", None)
            )
        if col.personal_data.get("check") == "nik" and col.name in names:
            frame = frame.with_columns(
                pl.col(col.name)
                .str.replace_all(r"\s+", "")
                .str.strip_chars_start("'`")
                .str.replace(r"^(\d{16})\.0+$", "$1")
                .replace("", None)
            )
    return frame


def personal_data_checks(col: Column, text: pl.Expr, value: pl.Expr) -> list[tuple[str, pl.Expr]]:
    """(rule, reason-or-null) checks for a personal column. Reasons never quote the value."""
    pd = col.personal_data
    if not pd:
        return []
    checks: list[tuple[str, pl.Expr]] = []
    if pd.get("check") == "nik":
        prefixes = [str(p) for p in pd.get("regionPrefixes", [])]
        sixteen = text.str.contains(r"^\d{16}$")
        checks.append(
            (
                "nik_16_angka",
                pl.when(text.is_not_null() & text.str.contains(r"(?i)\de\+?\d"))
                .then(
                    pl.lit(
                        f"kolom {col.name}: NIK tersimpan sebagai angka ilmiah Excel (mis. "
                        "6,47E+15) sehingga digit terakhir hilang; format kolom NIK sebagai Teks "
                        "lalu kirim ulang"
                    )
                )
                .when(text.is_not_null() & ~sixteen)
                .then(
                    pl.format(
                        f"kolom {col.name}: NIK harus 16 angka, yang terbaca {{}} karakter; "
                        "periksa NIK pada baris ini",
                        text.str.len_chars(),
                    )
                ),
            )
        )
        if prefixes:
            # the listed kecamatan prefixes are one pemda's (Samarinda: 6472xx); another pemda's
            # recipients carry that pemda's own code (its folder's kode_pemda without the dot)
            listed = prefixes[0][:4]
            own = pl.col(SLOT_PEMDA).str.replace_all(".", "", literal=True)
            checks.append(
                (
                    "nik_bukan_samarinda",
                    pl.when(sixteen & (own == listed) & ~text.str.slice(0, 6).is_in(prefixes))
                    .then(
                        pl.lit(
                            f"kolom {col.name}: 6 angka pertama NIK bukan kode kecamatan Kota "
                            f"Samarinda ({prefixes[0]}–{prefixes[-1]}); penerima berdomisili di "
                            "luar kota tidak masuk daftar ini"
                        )
                    )
                    .when(sixteen & (own != listed) & (text.str.slice(0, 4) != own))
                    .then(
                        pl.format(
                            f"kolom {col.name}: 4 angka pertama NIK bukan kode pemda {{}}; "
                            "penerima berdomisili di luar pemda tidak masuk daftar ini",
                            pl.col(SLOT_PEMDA),
                        )
                    ),
                )
            )
    if pd.get("check") == "npwp":
        checks.append(
            (
                "npwp_tidak_sah",
                pl.when(text.is_not_null() & text.str.contains(r"(?i)\de\+?\d"))
                .then(
                    pl.lit(
                        f"kolom {col.name}: NPWP tersimpan sebagai angka ilmiah Excel (mis. "
                        "6,47E+15) sehingga digit terakhir hilang; format kolom NPWP sebagai Teks "
                        "lalu kirim ulang"
                    )
                )
                .when(text.is_not_null() & ~text.str.contains(r"^\d{15,16}$"))
                .then(
                    pl.format(
                        f"kolom {col.name}: NPWP penerima harus 16 angka (NIK untuk orang "
                        "pribadi; 0 + NPWP lama untuk badan dan instansi) atau 15 angka format "
                        "lama (99.999.999.9-999.999), yang terbaca {} karakter; periksa NPWP "
                        "pihak ketiga pada SP2D ini di SIPD lalu kirim ulang",
                        text.str.len_chars(),
                    )
                ),
            )
        )
    if pd.get("transform") == "age_band":
        year_end = pl.date(pl.col("tahun"), 12, 31)
        checks.append(
            (
                "tanggal_lahir_tidak_wajar",
                pl.when(
                    value.is_not_null()
                    & ((value > year_end) | (value < pl.date(1900, 1, 1)))
                    & pl.col("tahun").is_not_null()
                ).then(
                    pl.lit(
                        f"kolom {col.name}: tanggal lahir sesudah akhir tahun anggaran atau "
                        "sebelum 1900; periksa tanggal lahir pada baris ini"
                    )
                ),
            )
        )
    return checks


# ---------------------------------------------------------------------------------------------
# After validation, before anything is written


def _hash_expr(column: str, key: bytes) -> pl.Expr:
    return pl.col(column).map_batches(
        lambda s: pl.Series([None if v is None else pseudonym(v, key) for v in s.to_list()]),
        return_dtype=pl.String,
    )


# A NIK (or most of one) typed into another column: 12 or more digits in a row. No other column
# of a personal-data source holds such a run (amounts that long are over every maximum anyway).
_NIK_LIKE = r"\d{12,}"


def _scrub(text: str | None, value: str | None) -> str | None:
    """`text` without `value` in it (a reason must never quote personal data)."""
    return text.replace(value, MASK) if text and value else text


def _scrub_nik_like(frame: pl.DataFrame, keep: Iterable[str] = ()) -> pl.DataFrame:
    """Every NIK-like digit run in the text columns of `frame` masked (except `keep`)."""
    return frame.with_columns(
        pl.col(c).str.replace_all(_NIK_LIKE, MASK)
        for c, t in frame.schema.items()
        if t == pl.String and c not in keep
    )


def age_band(birth: pl.Expr, tahun: pl.Expr) -> pl.Expr:
    """Age band on 31 December of the fiscal year: everybody has had their birthday by then."""
    age = tahun.cast(pl.Int32) - birth.dt.year().cast(pl.Int32)
    expr = pl.when(birth.is_null()).then(None)
    for low, high, label in AGE_BANDS:
        cond = age >= low if high is None else age.is_between(low, high)
        expr = expr.when(cond).then(pl.lit(label))
    return expr.otherwise(None)


def protect(
    contract: Contract,
    good: pl.DataFrame,
    bad_rows: pl.DataFrame,
    errors: pl.DataFrame,
    key: bytes,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Pseudonymise good rows; mask quarantined rows and their error table."""
    personal = _personal(contract)
    if not personal:
        return good, bad_rows, errors
    names = [c.name for c in personal]
    # Good rows: typed values -> pseudonyms and bands, then the personal columns go.
    derived = []
    for c in personal:
        pd = c.personal_data
        if pd["transform"] == "hmac":
            derived.append(_hash_expr(c.name, key).alias(pd["output"]))
        elif pd["transform"] == "age_band":
            derived.append(age_band(pl.col(c.name), pl.col("tahun")).alias(pd["output"]))
        elif pd["transform"] == "npwp":
            npwp = npwp_normalised(pl.col(c.name))
            hashed = npwp.map_batches(
                lambda s: pl.Series([None if v is None else pseudonym(v, key) for v in s]),
                return_dtype=pl.String,
            )
            derived.append(
                pl.when(npwp_is_individual(npwp)).then(hashed).otherwise(npwp).alias(pd["output"])
            )
        elif pd["transform"] == "badan_only":
            npwp = npwp_normalised(pl.col(pd["npwpColumn"]))
            derived.append(
                pl.when(npwp.is_null() | npwp_is_individual(npwp))
                .then(None)
                .otherwise(pl.col(c.name))
                .alias(pd["output"])
            )
    outputs = {c.personal_data.get("output") for c in personal}
    good = good.with_columns(derived).drop([n for n in names if n not in outputs])
    # Quarantined rows (text): the operator finds a row by its line number; reasons lose the
    # values of personal columns; a NIK keeps only its pseudonym.
    if bad_rows.height:
        reasons = bad_rows["_alasan"].to_list()
        for name in names:
            reasons = [_scrub(r, v) for r, v in zip(reasons, bad_rows[name].to_list(), strict=True)]
        hashed = [
            _hash_expr(c.name, key).alias(c.personal_data["output"])
            for c in personal
            if c.personal_data["transform"] == "hmac"
        ]
        bad_rows = bad_rows.with_columns(pl.Series("_alasan", reasons, pl.String), *hashed)
    bad_rows = bad_rows.drop(names)
    if errors.height:
        personal_rows = [k in names for k in errors["kolom"].to_list()]
        nilai = errors["nilai"].to_list()
        alasan = [
            _scrub(a, v) if p else a
            for a, v, p in zip(errors["alasan"].to_list(), nilai, personal_rows, strict=True)
        ]
        masked = [
            MASK if p and v is not None else v for v, p in zip(nilai, personal_rows, strict=True)
        ]
        errors = errors.with_columns(
            pl.Series("alasan", alasan, pl.String), pl.Series("nilai", masked, pl.String)
        )
    hashes = [c.personal_data["output"] for c in personal if c.personal_data["transform"] == "hmac"]
    return good, _scrub_nik_like(bad_rows, keep=hashes), _scrub_nik_like(errors)
