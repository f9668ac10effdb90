"""The same book of business in connector shapes publishes the same public tables as in the contract's.

The generator writes one small book (same seed) three times: in the contract's shape, with Stripe,
Salesforce, Segment and Zendesk for the domains they serve, and with HubSpot and Amplitude. Each is
loaded by the real loader with the domains' source vars following the shape (CS_<DOMAIN>_SOURCE),
then built by dbt (seeds, snapshot, models) into its own warehouse; every public table must hold the
same rows in each (EXCEPT ALL both ways: a multiset comparison, duplicates counted).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from demo_data.generator import generate
from orchestration.connectors import domains_served
from orchestration.contract import DOMAIN_TABLES
from orchestration.loader import load
from orchestration.project import MARTS_SCHEMA, PUBLIC_TABLES
from tests.support_dbt import DbtWarehouse, sources_for

pytestmark = pytest.mark.slow

ACCOUNTS, DAYS, SEED = 60, 120, 11
END = date(2025, 6, 30)  # last generated day: in the past, so nothing is "in the future"
LOADED_AT = datetime(2025, 7, 1, 12)
CONTRACT = ""
SHAPES = ("stripe,salesforce,segment,zendesk", "hubspot,amplitude")


def build(shape: str, root: Path) -> Path:
    """Generate the book in `shape`, load it and build the project; the warehouse file."""
    landing = root / "landing"
    generate(ACCOUNTS, DAYS, SEED, landing, end=END, shape=shape)
    warehouse = DbtWarehouse(root, isolated=True)  # a dbt process per call: the files are compared below
    with sources_for(shape), warehouse.pointed():
        report = load(landing, warehouse_path=warehouse.path, loaded_at=LOADED_AT)
        assert report.rows_loaded > 0 and not report.too_broken
        warehouse.materialize()
    return warehouse.path


@pytest.fixture(scope="module")
def contract_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(CONTRACT, tmp_path_factory.mktemp("contract_shape"))


def rows_apart(contract: Path, connector: Path, table: str) -> tuple[int, int, int]:
    """Rows of `table` in the contract's build, only there, and only in the connectors' (as multisets)."""
    with duckdb.connect() as con:
        con.execute(f"attach '{contract}' as contract_build (read_only)")
        con.execute(f"attach '{connector}' as connector_build (read_only)")
        a, b = (f"{db}.{MARTS_SCHEMA}.{table}" for db in ("contract_build", "connector_build"))
        columns = ", ".join(f'"{c}"' for (c,) in con.execute(
            "select column_name from information_schema.columns where table_catalog = 'contract_build' "
            "and table_schema = ? and table_name = ? order by ordinal_position", [MARTS_SCHEMA, table]
        ).fetchall())
        rows = con.execute(f"select count(*) from {a}").fetchone()[0]
        only_contract = con.execute(
            f"select count(*) from (select {columns} from {a} except all select {columns} from {b})"
        ).fetchone()[0]
        only_connector = con.execute(
            f"select count(*) from (select {columns} from {b} except all select {columns} from {a})"
        ).fetchone()[0]
    return rows, only_contract, only_connector


@pytest.mark.parametrize("shape", SHAPES)
def test_connector_shapes_publish_the_same_public_tables(
    shape: str, contract_warehouse: Path, tmp_path: Path
) -> None:
    connector_warehouse = build(shape, tmp_path)
    with duckdb.connect(str(connector_warehouse), read_only=True) as con:
        schemas = {name for (name,) in con.execute(
            "select schema_name from information_schema.schemata").fetchall()}
        raw = {name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()}
    # the connectors' tables were read, not contract tables of the domains they serve
    replaced = {table for domain in domains_served(shape.split(",")) for table in DOMAIN_TABLES[domain]}
    assert set(shape.split(",")) <= schemas and not raw & replaced, (schemas, raw)
    apart = {table: rows_apart(contract_warehouse, connector_warehouse, table) for table in PUBLIC_TABLES}
    differing = {table: counts for table, counts in apart.items() if counts[1:] != (0, 0)}
    assert not differing, f"(rows, only from the contract, only from {shape}) per table: {differing}"
    # the daily tables hold rows (a segment-quality month may need more history than the book has)
    assert all(apart[table][0] > 0 for table in PUBLIC_TABLES if table.endswith("_daily")), apart
