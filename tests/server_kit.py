"""Starting the planner app (`apbd aplikasi perencana`, what `make app` runs) for tests that talk to
it over HTTP, WebSocket or a real browser: a free 127.0.0.1 port, its own process session, stopped
by its PID (the server and its kernel) whatever the test does."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagster_project.lib.core.paths import PROJECT_ROOT

# Started as from a fresh terminal: SIGINT and SIGTERM at their defaults and no signal blocked.
# A child inherits an ignored disposition and the signal mask across exec; in full-suite runs (not
# alone) the dev server then ignored its SIGINT for 120 s and each app its SIGTERM for 15 s.
_FRESH_SIGNALS = (
    "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, set()); "
    "[signal.signal(s, signal.SIG_DFL) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)]; "
    "os.execvp(sys.argv[1], sys.argv[1:])"
)


def popen(cmd: list[str], **kwargs) -> subprocess.Popen:
    """`subprocess.Popen(cmd, **kwargs)` in its own session with fresh signal handling: the same
    process id (the command replaces a small launcher), so it is stopped by that id."""
    return subprocess.Popen(
        [sys.executable, "-c", _FRESH_SIGNALS, *cmd], start_new_session=True, **kwargs
    )


def signal_state(pid: int) -> str:
    """Blocked, ignored and caught signals of a process (for a failure message)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "(proses sudah tidak ada)"
    return " ".join(
        ln for ln in status.splitlines() if ln.startswith(("SigBlk", "SigIgn", "SigCgt"))
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def planner_app(
    data_dir: Path, tmp: Path, *, timeout: float = 90, nama: str = "perencana"
) -> Iterator[int]:
    """The app on `data_dir` (an empty folder gives its 'no published mart yet' page), its log and
    marimo's own state under `tmp`; yields the port once `/` answers 200. `nama="keuangan"`
    starts the finance app instead."""
    port = free_port()
    log_path = tmp / "app.log"
    env = {
        **os.environ,
        "APBD_DATA_DIR": str(data_dir),
        "MARIMO_SKIP_UPDATE_CHECK": "1",
        "HOME": str(tmp),  # marimo's own state files stay out of the real home
        "PYTHONPYCACHEPREFIX": str(tmp / "pycache"),  # and its session cache out of notebooks/
    }
    apbd = Path(sys.executable).with_name("apbd")
    with log_path.open("w") as log:
        proc = popen(
            [str(apbd), "aplikasi", nama, "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"apbd aplikasi berhenti: {log_path.read_text()[-2000:]}")
                with (
                    contextlib.suppress(OSError),
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp,
                ):
                    if resp.status == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(f"apbd aplikasi tidak menjawab dalam {timeout:g} detik")
                time.sleep(0.3)
            yield port
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and its kernel
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                state = signal_state(proc.pid)
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
                pytest.fail(f"apbd aplikasi tidak berhenti 15 detik setelah SIGTERM ({state})")
