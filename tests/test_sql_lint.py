"""SQL in the dbt project follows the repo's `.sqlfluff` (lowercase, trailing commas, 100 columns)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_project.lib.core.paths import DBT_DIR, PROJECT_ROOT


def test_dbt_sql_passes_sqlfluff() -> None:
    sqlfluff = Path(sys.executable).with_name("sqlfluff")
    folders = [str(DBT_DIR / d) for d in ("models", "tests", "macros")]
    result = subprocess.run(
        # One process: the test suite already keeps both cores busy (two xdist workers), and
        # sqlfluff's pool of two once hung at shutdown with a worker blocked after the lint
        # itself had finished (make test, 3 Dec 2026).
        [str(sqlfluff), "lint", "--processes", "1", *folders],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,  # a safety limit: about 40 s on an idle machine, far more on a loaded one
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_the_rust_parser_is_installed() -> None:
    """`.sqlfluff` asks for sqlfluff's Rust lexer and parser (the `rs` extra, half the CPU time of
    the Python parser here); without the package sqlfluff falls back to Python without a word."""
    import sqlfluffrs  # noqa: F401  (the import is the check)
