"""dbt's saved parse in a data folder's target folder, kept to the checkout that runs it.

dbt reuses `partial_parse.msgpack` in its target folder while the project's files hash the same,
and that parse holds each seed's folder as an absolute path (`root_path`). The pipeline's target
folder is in the data folder (`<data>/build/dbt_target`), which outlives a checkout and may be
copied or shared: a data folder built by another checkout of the same commit (a benchmark's
worktree, since removed) made dbt look for its seeds there — "No files found
…/<other checkout>/dbt/seeds/ref_wilayah.csv" — and nothing was published.

So the target folder records which project made its parse, and a parse made by another is
replaced with this checkout's (`runtime.ensure_dbt_manifest` keeps one in `dbt/target`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from dagster_project.lib.core.paths import DBT_DIR

PARSE = "partial_parse.msgpack"
# The project folder whose dbt wrote the parse beside it.
STAMP = "apbd_project_dir"


def own_parse(target: Path, project_dir: Path = DBT_DIR) -> bool:
    """Make `target`'s saved parse this project's; True when one made elsewhere (or of unknown
    origin) was replaced."""
    here = str(project_dir.resolve())
    stamp = target / STAMP
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == here:
        return False
    target.mkdir(parents=True, exist_ok=True)
    fresh = project_dir / "target" / PARSE
    if fresh.is_file():
        shutil.copyfile(fresh, target / PARSE)
    else:  # dbt parses the project itself
        (target / PARSE).unlink(missing_ok=True)
    stamp.write_text(here, encoding="utf-8")
    return True
