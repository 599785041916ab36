"""The package shows the pipeline: every import of `dagster_project/` (module level and the lazy
ones inside functions) points down the layers, there is no import cycle, and only the Dagster
layer imports Dagster. The README's "Architecture" section is the same rule in words.

    core < contracts < {ingest, transform, gate, planning, demo} < publish < outputs
         < defs < definitions < runtime < cli

Modules of one layer may import each other (no cycles); the stage packages of one rank
(ingest, transform, gate, planning, demo) never import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

from dagster_project.lib.core.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "dagster_project"

# Layer of each part of the package: a module may import its own layer's package or lower ranks.
RANK = {
    "lib.core": 0,
    "lib.contracts": 1,
    "lib.ingest": 2,
    "lib.transform": 2,
    "lib.gate": 2,
    "lib.planning": 2,
    "lib.demo": 2,
    "lib.publish": 3,
    "lib.outputs": 4,
    "defs": 5,
    "definitions": 6,
    "runtime": 7,  # runs the pipeline in-process (the CLI's `apbd run` and the tests use it)
    "cli": 8,
}
# Only these import Dagster (dagster, dagster_dbt, dagster_*): the asset and check definitions,
# the one entry point, and runtime.py, which executes them in this process (`dg.materialize`,
# the rebuild job, recovering runs a killed process left behind) for `apbd run` and the tests.
DAGSTER_ALLOWED = ("defs", "definitions", "runtime")

# Known edges that break the rule today, each with who removes it. Keep this empty.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def _imports(name: str, path: Path) -> set[str]:
    """Every module name imported anywhere in the file (functions included), relative to the
    package (`lib.core.paths`), plus top-level third-party names prefixed with `ext:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()

    def add(module: str, names: list[str]) -> None:
        if module == "dagster_project" or module.startswith("dagster_project."):
            local = module.removeprefix("dagster_project").lstrip(".")
            found.add(local)
            found.update(f"{local}.{n}".lstrip(".") for n in names)
        else:
            found.add("ext:" + module.split(".")[0])

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, [])
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(
                    ["dagster_project", *base, *([node.module] if node.module else [])]
                )
            else:
                module = node.module or ""
            add(module, [a.name for a in node.names])
    return found


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    mods = _modules()
    edges, external = {}, {}
    for name, path in mods.items():
        imported = _imports(name, path)
        edges[name] = {m for m in imported if m in mods and m != name and m}
        external[name] = {m[4:] for m in imported if m.startswith("ext:")}
    return edges, external


def _layer(module: str) -> str | None:
    for layer in sorted(RANK, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if (v, w) in KNOWN_EXCEPTIONS:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_every_module_has_a_layer():
    edges, _ = _graph()
    packages = {"", "lib", "defs"} | {f"defs.{p.name}" for p in (PACKAGE / "defs").iterdir()}
    orphans = [m for m in edges if _layer(m) is None and m not in packages]
    assert not orphans, f"modules outside every layer (put them in a stage package): {orphans}"


def test_no_import_cycles():
    edges, _ = _graph()
    cycles = _cycles(edges)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def _against_layers(edges: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in sorted(edges.items()):
        src = _layer(module)
        for target in sorted(targets):
            dst = _layer(target)
            if src is None or dst is None or src == dst or (module, target) in KNOWN_EXCEPTIONS:
                continue
            if RANK[dst] >= RANK[src]:
                wrong.append(f"{module} ({src}) imports {target} ({dst})")
    return wrong


def test_imports_point_down_the_layers():
    wrong = _against_layers(_graph()[0])
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_only_the_dagster_layer_imports_dagster():
    _, external = _graph()
    wrong = sorted(
        f"{module} imports {lib}"
        for module, libs in external.items()
        for lib in libs
        if (lib == "dagster" or lib.startswith("dagster_"))
        and _layer(module) not in DAGSTER_ALLOWED
    )
    assert not wrong, "Dagster outside defs/, definitions.py, runtime.py:\n" + "\n".join(wrong)


def test_the_checker_sees_lazy_imports_and_cycles():
    """The rule is not vacuous: imports inside functions count, and a cycle is found."""
    edges, _ = _graph()
    assert "lib.outputs.reports" in edges["cli"]  # imported inside the `laporan` command only
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _against_layers({"lib.contracts.x": {"lib.ingest.loader"}, "lib.gate.y": {"lib.demo.z"}})
    assert not _against_layers({"lib.ingest.loader": {"lib.contracts.model", "lib.ingest.readers"}})
    assert _layer("lib.core.paths") == "lib.core" and _layer("defs.ingest.assets") == "defs"


def test_every_known_exception_is_still_needed():
    """An exception whose import is gone must leave the list (so the list only shrinks)."""
    edges, _ = _graph()
    stale = [edge for edge in KNOWN_EXCEPTIONS if edge[1] not in edges.get(edge[0], set())]
    assert not stale, f"remove from KNOWN_EXCEPTIONS, the import is gone: {stale}"
