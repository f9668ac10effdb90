"""The dbt project's shape, read from its manifest: layers go one way inside every domain, and no view
keeps a run's as-of days.

- Within a domain (`models/<layer>/<domain>/`), intermediate models feed marts; a mart never feeds an
  intermediate model of its own domain.
- A view that called the as-of macros would keep one run's days as literals, so `--select <model>`
  with other vars would read it stale: models that need the range are ephemeral or incremental.
- Unit test names fit a PostgreSQL relation name (63 characters), connectors' included.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from dbt.cli.main import dbtRunner

from orchestration.settings import PROJECT_DIR

RANGE_MACROS = {"macro.cs_segmentation.as_of_start", "macro.cs_segmentation.as_of_end",
                "macro.cs_segmentation.as_of_bounds", "macro.cs_segmentation.daily_fact_range"}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict:
    target = tmp_path_factory.mktemp("dbt_structure")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("DBT_TARGET_PATH", str(target / "target"))
        monkeypatch.setenv("DBT_LOG_PATH", str(target / "logs"))
        result = dbtRunner().invoke(["parse", "--project-dir", str(PROJECT_DIR), "--profiles-dir",
                                     str(PROJECT_DIR), "--quiet"])
    assert result.success, result.exception
    return {uid: node for uid, node in result.result.nodes.items() if node.resource_type == "model"}


def _place(node) -> tuple[str, str]:
    """(layer, domain) of a model from its path `models/<layer>/<domain>/...`."""
    parts = Path(node.original_file_path).parts
    return parts[1], parts[2] if len(parts) > 3 else ""


def test_layers_go_one_way_in_every_domain(models: dict) -> None:
    backwards = []
    for node in models.values():
        layer, domain = _place(node)
        if layer != "intermediate":
            continue
        for parent in node.depends_on.nodes:
            if parent in models and _place(models[parent]) == ("marts", domain):
                backwards.append(f"{models[parent].name} -> {node.name}")
    assert not backwards, f"marts feeding intermediate models of their own domain: {backwards}"


def test_no_view_keeps_the_as_of_range(models: dict) -> None:
    views = [node.name for node in models.values()
             if node.config.materialized == "view" and RANGE_MACROS & set(node.depends_on.macros)]
    assert not views, f"views that compile the run's as-of days in: {views}"


def test_unit_test_names_fit_a_postgres_relation_name() -> None:
    # dbt builds a unit test's fixture under the test's name: PostgreSQL refuses names over 63 characters.
    # Read from the YAML, since a connector's unit tests are disabled unless a domain var chooses it.
    names = [test["name"] for path in (PROJECT_DIR / "models").rglob("*.yml")
             for test in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("unit_tests") or []]
    long = [name for name in names if len(name) > 63]
    assert names and not long, f"unit tests named over 63 characters: {long}"
