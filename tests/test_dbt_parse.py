"""dbt's saved parse in a data folder made by another checkout (lib/transform/dbt_parse.py): its
seeds' absolute folder points into that checkout, and a build from it loads nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import msgpack

from dagster_project.lib.core.paths import DBT_DIR
from dagster_project.lib.transform.dbt_parse import PARSE, STAMP, own_parse
from tests.pipeline_kit import env_for

SEED = "ref_ambang_sel_kecil"


def _parse_of(checkout: Path, target: Path) -> None:
    """This checkout's saved parse as a checkout at `checkout` would have left it in `target`."""
    parse = msgpack.unpackb((DBT_DIR / "target" / PARSE).read_bytes(), strict_map_key=False)
    old = str(checkout / "dbt")
    for uid, node in parse["nodes"].items():
        if uid.startswith("seed."):
            node["root_path"] = old
    for f in parse["files"].values():
        if f.get("parse_file_type") == "seed":
            f["path"]["project_root"] = old
    target.mkdir(parents=True)
    (target / PARSE).write_bytes(msgpack.packb(parse))
    (target / STAMP).write_text(old, encoding="utf-8")


def _seeds(parse: Path) -> set[str]:
    nodes = msgpack.unpackb(parse.read_bytes(), strict_map_key=False)["nodes"]
    return {n["root_path"] for uid, n in nodes.items() if uid.startswith("seed.")}


def test_a_data_folder_built_by_another_checkout_builds_with_this_ones_seeds(tmp_path):
    """As the pipeline's dbt asset runs it: the other checkout's parse is replaced once (the
    second call keeps it), and dbt then loads the seed from this checkout. That the planted parse
    fails without the replacement was seen by hand: 'No files found that match the pattern
    "…/lama/dbt/seeds/ref_ambang_sel_kecil.csv"'."""
    target = tmp_path / "data" / "build" / "dbt_target"
    _parse_of(tmp_path / "lama", target)
    assert _seeds(target / PARSE) == {str(tmp_path / "lama" / "dbt")}

    assert own_parse(target) is True
    assert own_parse(target) is False
    assert _seeds(target / PARSE) == {str(DBT_DIR.resolve())}
    build = tmp_path / "apbd_build.duckdb"
    dbt = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "seed", "--select", SEED],
        cwd=DBT_DIR,
        env={
            **env_for(tmp_path),
            "APBD_BUILD_DB": str(build),
            "DBT_PROFILES_DIR": str(DBT_DIR),
            "DBT_TARGET_PATH": str(target),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert dbt.returncode == 0, dbt.stdout[-3000:]
    rows = (DBT_DIR / "seeds" / f"{SEED}.csv").read_text(encoding="utf-8").splitlines()
    with duckdb.connect(str(build), read_only=True) as con:
        (n,) = con.execute(f"select count(*) from reference.{SEED}").fetchone()
    assert n == len(rows) - 1
