"""dbt's sources YAML agrees with the raw contract (`orchestration/contract.py`), which the loader,
the generator and the raw GX suites read: same tables, same columns in the same order."""

from __future__ import annotations

from pathlib import Path

import yaml

from orchestration import loader
from orchestration.contract import RAW_SCHEMA, TABLES
from orchestration.settings import PROJECT_DIR

SOURCES_YAML = PROJECT_DIR / "models" / "staging" / "raw" / "_raw__sources.yml"


def _raw_source(path: Path) -> dict:
    sources = yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]
    return next(s for s in sources if s["name"] == "raw")


def _columns(table: dict) -> list[str]:
    return [c["name"] for c in table.get("columns", [])]


def test_sources_yaml_has_the_contract_tables_and_columns() -> None:
    source = _raw_source(SOURCES_YAML)
    assert source.get("schema", source["name"]) == RAW_SCHEMA
    tables = {t["name"]: t for t in source["tables"]}
    # raw.rejects is the loader's own table, checked below.
    assert set(tables) - {loader.REJECTS_TABLE} == {t.name for t in TABLES}
    for table in TABLES:
        assert _columns(tables[table.name]) == table.column_names, table.name


def test_sources_yaml_rejects_has_the_loader_columns() -> None:
    tables = {t["name"]: t for t in _raw_source(SOURCES_YAML)["tables"]}
    assert _columns(tables[loader.REJECTS_TABLE]) == [name for name, _ in loader.REJECTS_COLUMNS]
