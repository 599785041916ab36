"""The ingest log's schema: one row per landing file version, loaded or rejected.

It is a table like every other, so it is described here, at the contracts layer: ingest writes it
(`lib/ingest/loader.py`) and the dbt source `meta.ingest_log` is generated from it
(`lib/contracts/dbt_codegen.py`), so the log is described in one place.
"""

from __future__ import annotations

import polars as pl

# (type, description) per column.
LOG_COLUMNS: dict[str, tuple[pl.DataType, str]] = {
    "sha256": (pl.String(), "SHA-256 isi berkas. / SHA-256 of the file content."),
    "berkas": (pl.String(), "Jalur berkas di landing. / Landing path of the file."),
    "sistem": (pl.String(), "Sistem sumber (sipd, bpkad, …). / Source system."),
    "tabel": (pl.String(), "Tabel sumber. / Source table."),
    "kode_pemda": (
        pl.String(),
        "Kode pemda Kemendagri dari folder kiriman (kosong: berkas nasional). / Pemda code.",
    ),
    "tahun": (pl.Int32(), "Tahun anggaran dari folder. / Fiscal year from the folder."),
    "pengirim": (pl.String(), "Kode SKPD pengirim, atau bpkad/bps/dinsos. / Sender."),
    "periode": (pl.String(), "Periode berkas: tahap atau bulan. / File period: phase or month."),
    "format": (pl.String(), "Format yang terbaca. / Format as read."),
    "ukuran_byte": (pl.Int64(), "Ukuran berkas. / File size in bytes."),
    "diterima_pada": (
        pl.Datetime("us"),
        "Waktu berkas diterima (mtime, UTC). / Received at (UTC).",
    ),
    "dimuat_pada": (pl.Datetime("us"), "Waktu berkas diproses (UTC). / Processed at (UTC)."),
    "status": (pl.String(), "dimuat atau ditolak. / loaded or rejected."),
    "baris_dibaca": (pl.Int64(), "Baris data yang dibaca. / Data rows read."),
    "baris_dimuat": (pl.Int64(), "Baris yang lolos kontrak. / Rows loaded."),
    "baris_karantina": (pl.Int64(), "Baris yang dikarantina. / Rows quarantined."),
    "baris_diabaikan": (
        pl.Int64(),
        "Baris kosong/jumlah yang diabaikan. / Blank/total rows skipped.",
    ),
    "kontrak_id": (pl.String(), "Kontrak data yang dipakai. / Data contract id."),
    "kontrak_versi": (pl.String(), "Versi kontrak. / Contract version."),
    "pesan": (pl.String(), "Pesan untuk operator OPD. / Message for the OPD operator."),
    "raw_path": (pl.String(), "Parquet raw yang ditulis. / Raw Parquet written."),
    "karantina_path": (pl.String(), "Berkas karantina. / Quarantine files."),
    "umpan_balik_path": (
        pl.String(),
        "Laporan umpan balik XLSX untuk pengirim. / Feedback report for the sender.",
    ),
    "run_id": (pl.String(), "Run Dagster yang memuat. / Dagster run id."),
}
LOG_SCHEMA = {name: dtype for name, (dtype, _) in LOG_COLUMNS.items()}
