"""Lint runs with the tests: ruff for Python (sqlfluff for SQL is in test_sql_lint.py)."""

from __future__ import annotations

import subprocess
import sys

from dagster_project.lib.core.paths import PROJECT_ROOT


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )


def test_ruff_check():
    result = _ruff("check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = _ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr
