"""The shape of the Python code: imports point one way, and modules stay small.

Arrows point down: the lower modules of `orchestration` (the raw contract, settings, rules, the
warehouse connections, the run log, the actions' ledger and webhook, the dbt project and the
loader) import nothing of the upper ones (Dagster assets, checks, jobs, schedules, sensors,
definitions and the CLI), so each can be read, tested and reused without them. The demo-data
generator (`demo_data`) may read the raw contract and the business rules (`rules`: the seeds its
overrides take their values from) and nothing else of `orchestration`; `orchestration` never
imports it (the CLI runs it as a separate process). Imports are read with `ast`, inside functions
too.
"""

from __future__ import annotations

import ast
from pathlib import Path

from orchestration.settings import PROJECT_DIR

LOWER = (
    "orchestration.contract",
    "orchestration.settings",
    "orchestration.rules",
    "orchestration.warehouse",
    "orchestration.runlog",
    "orchestration.webhook",
    "orchestration.actions",
    "orchestration.project",
    "orchestration.loader",
    "orchestration.quality",
    "orchestration.report",
)
UPPER = (
    "orchestration.assets",
    "orchestration.checks",
    "orchestration.cli",
    "orchestration.definitions",
    "orchestration.jobs",
    "orchestration.schedules",
    "orchestration.sensors",
)
DEMO_DATA = "demo_data"
DEMO_DATA_MAY_IMPORT = ("orchestration.contract", "orchestration.rules")
PACKAGES = ("orchestration", "demo_data")
CODE_FOLDERS = ("orchestration", "demo_data", "tests", "bench")
MAX_LINES = 400  # no exception today: a module that grows past it is split by job


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_DIR).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((PROJECT_DIR / package).rglob("*.py"))
    }


def _imports(name: str, path: Path, modules: set[str]) -> set[str]:
    """The modules `name` imports, by absolute name (`from x import y` is x.y when y is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.update(
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names
            )
    return found


def _within(module: str, roots: tuple[str, ...]) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


def _arrows() -> list[tuple[str, str]]:
    """Every (importer, imported) pair between the project's own modules."""
    modules = _modules()
    return [
        (name, imported)
        for name, path in modules.items()
        for imported in sorted(_imports(name, path, set(modules)))
        if _within(imported, PACKAGES)
    ]


def test_the_lists_of_lower_and_upper_modules_name_real_modules() -> None:
    modules = _modules()
    for root in LOWER + UPPER + DEMO_DATA_MAY_IMPORT:
        assert root in modules, f"{root} is not a module of the project: update the lists above"


def test_lower_modules_import_nothing_of_the_upper_ones() -> None:
    back = [f"{a} imports {b}" for a, b in _arrows() if _within(a, LOWER) and _within(b, UPPER)]
    assert back == [], "imports pointing up:\n" + "\n".join(back)


def test_orchestration_does_not_import_the_demo_data_generator() -> None:
    found = [
        f"{a} imports {b}" for a, b in _arrows() if _within(a, ("orchestration",)) and _within(b, (DEMO_DATA,))
    ]
    assert found == [], "\n".join(found)


def test_the_demo_data_generator_reads_only_the_contract_and_rules_of_orchestration() -> None:
    found = [
        f"{a} imports {b}"
        for a, b in _arrows()
        if _within(a, (DEMO_DATA,)) and _within(b, ("orchestration",))
        and not _within(b, DEMO_DATA_MAY_IMPORT)
    ]
    assert found == [], "\n".join(found)


def test_every_module_stays_under_the_line_limit() -> None:
    paths = sorted(p for folder in CODE_FOLDERS for p in (PROJECT_DIR / folder).rglob("*.py"))
    long = [
        f"{path.relative_to(PROJECT_DIR)}: {lines} lines"
        for path in paths
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert long == [], f"over {MAX_LINES} lines, split by what each part does:\n" + "\n".join(long)


# What a clone does not have or cannot follow: a path outside the repository, a document cited by
# section, a tracker's issue numbers. Docs say it in their own words (docs/contract.md).
OUTSIDE_REFERENCES = (r"\.\./shared", r"\bSPEC\b(?! =)", r"\bSTYLE\.md\b", r"\b[Ii]ssues? #?\d+", r"(?<![\w&/])#\d{1,4}\b")


def test_the_repository_stands_alone() -> None:
    import re
    import subprocess

    files = subprocess.run(["git", "ls-files"], cwd=PROJECT_DIR, capture_output=True, text=True,
                           check=True).stdout.split()
    pattern = re.compile("|".join(OUTSIDE_REFERENCES))
    found = []
    for name in files:
        path = PROJECT_DIR / name
        if name == "tests/test_structure.py" or not path.is_file() or path.suffix in (".parquet", ".png", ".duckdb"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{name}:{number}: {line.strip()[:100]}")
    assert not found, "references a clone cannot follow:\n" + "\n".join(found)
