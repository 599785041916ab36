"""Everything a run writes, to a log file; the terminal keeps only what a person should read.

`capture_output` points this process's stdout and stderr at a file at the file-descriptor level,
so dbt (a child process), Dagster's log lines and every library warning land in the log, while
the caller draws progress and its summary on the real terminal it is handed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def capture_output(log_file: Path) -> Iterator[TextIO]:
    """Send fd 1 and 2 (this process and its children) to `log_file` (appended) for the block;
    yield a text stream on the original stdout. Both are restored however the block ends."""
    log_file = Path(log_file)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(saved_out), "w", buffering=1, encoding="utf-8")
    try:
        with log_file.open("ab") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            try:
                yield terminal
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved_out, 1)
                os.dup2(saved_err, 2)
    finally:
        os.close(saved_out)
        os.close(saved_err)
        terminal.close()
