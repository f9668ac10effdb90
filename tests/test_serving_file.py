"""The serving file as a BI tool meets it: readable by an older DuckDB client, every public table
and column commented with its dbt description, and the views for common questions answering.

The compatibility test installs the oldest DuckDB the README promises into a throwaway venv (from
the package registry) and opens the published serving file with it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from orchestration.assets.publish import serving_views
from orchestration.project import PUBLIC_TABLES, public_descriptions
from tests.ops_pipeline import published_base

OLDEST_DUCKDB = "1.1.3"  # the oldest DuckDB client the README promises can read the serving file

READER = textwrap.dedent(
    """
    import json, sys
    import duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    tables = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_type = 'BASE TABLE'").fetchall()]
    views = [r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()]
    print(json.dumps({
        "version": duckdb.__version__,
        "rows": {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables + views},
    }))
    """
)


@pytest.fixture(scope="module")
def serving() -> Path:
    return published_base() / "serving.duckdb"


@pytest.fixture(scope="module")
def old_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("old_duckdb") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"duckdb=={OLDEST_DUCKDB}"], check=True)
    return python


def test_an_older_duckdb_client_reads_every_table_and_view(serving: Path, old_duckdb: Path) -> None:
    done = subprocess.run([str(old_duckdb), "-c", READER, str(serving)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    old = json.loads(done.stdout)
    assert old["version"] == OLDEST_DUCKDB
    con = duckdb.connect(str(serving), read_only=True)
    try:
        current = {name: con.execute(f"select count(*) from {name}").fetchone()[0] for name in old["rows"]}
    finally:
        con.close()
    assert set(PUBLIC_TABLES) | set(serving_views()) <= set(old["rows"])
    assert old["rows"] == current


def test_tables_and_columns_carry_the_dbt_descriptions(serving: Path) -> None:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        table_comments = dict(con.execute(
            "select table_name, comment from duckdb_tables() where schema_name = 'main'").fetchall())
        column_comments = {
            (table, column): comment
            for table, column, comment in con.execute(
                "select table_name, column_name, comment from duckdb_columns() where schema_name = 'main'"
            ).fetchall()
        }
    finally:
        con.close()
    for table, (description, columns) in public_descriptions().items():
        assert table_comments[table] == " ".join(description.split())
        for column, text in columns.items():
            assert column_comments[(table, column)] == " ".join(text.split()), (table, column)
    undocumented = [key for key, comment in column_comments.items() if key[0] in PUBLIC_TABLES and not comment]
    assert not undocumented, f"public columns without a description: {undocumented}"


def test_views_answer_the_common_questions(serving: Path) -> None:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        at_risk = con.execute("select count(*) from current_at_risk_accounts").fetchone()[0]
        assert at_risk == con.execute("select count(*) from account_segments where is_at_risk").fetchone()[0]
        view_comments = dict(con.execute("select view_name, comment from duckdb_views() where not internal").fetchall())
        assert all(view_comments[view] for view in serving_views())
        by_tier = con.execute(
            "select sum(arr_change) from mrr_movements_latest_month_by_tier").fetchone()[0]
        expected = con.execute(
            "select 12 * sum(mrr_change) from mrr_movements where month = (select max(month) from mrr_movements)"
            " and account_id in (select account_id from account_segments)").fetchone()[0]
        assert by_tier == expected
    finally:
        con.close()
