"""Failpoints: named places where a fault-injection test can freeze the pipeline and kill it.

`failpoint("publish_sebelum_ganti", root)` does nothing unless the environment variable
`APBD_FAILPOINT` names that point (comma-separated list). When it does, it writes the marker file
`<root>/tmp/failpoint__<name>` and sleeps (`APBD_FAILPOINT_SLEEP`, default 120 s) so the test can
SIGKILL the process at exactly that moment. Production runs never set the variable.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

ENV = "APBD_FAILPOINT"


def failpoint(name: str, root: Path | None = None) -> None:
    wanted = os.environ.get(ENV, "")
    if not wanted or name not in {w.strip() for w in wanted.split(",")}:
        return
    base = Path(root) if root is not None else Path(os.environ.get("APBD_DATA_DIR", "."))
    marker = base / "tmp" / f"failpoint__{name}"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(float(os.environ.get("APBD_FAILPOINT_SLEEP", "120")))
