"""Quoting for SQL written as text (DuckDB): a name as an identifier, a value as a string literal.

For what cannot be a bound parameter (a table or column name, a file path in COPY … TO); values
that can be bound are bound instead."""

from __future__ import annotations

from pathlib import Path


def qident(name: str) -> str:
    """Quote a SQL identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def qstring(value: str | Path) -> str:
    """A SQL string literal for DuckDB."""
    return "'" + str(value).replace("'", "''") + "'"
