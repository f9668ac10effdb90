"""dbt in tests: a private warehouse folder, dbt pointed at it, and the as-of vars a refresh would pass.

(Not named `dbt_*`: dbt imports every module with that prefix it finds on the path as a plugin.)

A `DbtWarehouse` owns `<root>/data/warehouse.duckdb`, dbt's target and log folders under `<root>`, and
runs dbt with the environment pointed there only for the call: in this process (dbtRunner, fast), or
with `isolated=True` in a dbt process per call, for tests that copy the warehouse file between runs
(dbt-duckdb keeps the database open in the process that ran it). A command
that builds models gets the vars `orchestration.as_of` would decide for this warehouse (the whole history
on a first build, else from the day after the last day built), unless the test passes its own, exactly
as a refresh does; no dbt macro guesses the range.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from dbt.cli.main import dbtRunner

from orchestration import as_of, project, rules, sources
from orchestration.connectors import domains_served
from orchestration.contract import DOMAIN_TABLES
from orchestration.settings import PROJECT_DIR
from tests.ops_pipeline import environment

AS_OF_VARS = ("as_of_date", "as_of_start", "as_of_end")
# dbt commands that compile models (or the snapshot, which stamps the as-of end), so need the as-of vars
COMPILING = ("build", "run", "test", "compile", "show", "snapshot")
DBT = str(Path(sys.executable).with_name("dbt"))


@contextmanager
def sources_for(shape: str) -> Iterator[None]:
    """For the block, the source vars (CS_<DOMAIN>_SOURCE) of a book generated in `shape` (connector
    names, comma-separated; empty: the contract's shape): each domain from its connector, else contract."""
    served = domains_served(shape.split(",") if shape else ())
    values = {sources.environment_var(domain): served.get(domain, sources.CONTRACT)
              for domain in DOMAIN_TABLES}
    rules.dbt_vars.cache_clear()  # the vars render from the environment
    try:
        with environment(values):
            yield
    finally:
        rules.dbt_vars.cache_clear()


class DbtWarehouse:
    """A private DuckDB warehouse under `root` and dbt runs against it."""

    def __init__(
        self,
        root: Path,
        project_dir: Path = PROJECT_DIR,
        isolated: bool = False,
        daily_models: list[tuple[str, str]] | None = None,
    ) -> None:
        self.root = root
        self.project_dir = project_dir
        self.isolated = isolated
        # the daily models whose last day sets the default range (a test building a subset names it)
        self.daily_models = daily_models
        self.path = root / "data" / "warehouse.duckdb"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.env = {
            "CS_DATA_DIR": str(root / "data"),
            "CS_WAREHOUSE_PATH": str(self.path),
            "DBT_TARGET_PATH": str(root / "target"),
            "DBT_LOG_PATH": str(root / "logs"),
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }

    @contextmanager
    def pointed(self) -> Iterator[None]:
        """The environment that points dbt (and the settings) at this warehouse, for the block."""
        with environment(self.env):
            yield

    def default_vars(self, full_refresh: bool = False) -> dict[str, str]:
        """The as-of vars a refresh would pass to dbt on this warehouse now."""
        con = duckdb.connect(str(self.path)) if self.path.exists() else duckdb.connect()
        try:
            bounds = as_of.read_bounds(con, self.daily_models or project.daily_models())
        finally:
            con.close()
        return as_of.decide(bounds, as_of.Request(full_refresh=full_refresh)).dbt_vars()

    def dbt(self, *args: str, vars_: dict[str, str] | None = None) -> Any:
        """Run `dbt <args>`; assert it succeeded; return dbt's result (None when isolated)."""
        vars_ = dict(vars_ or {})
        if args and args[0] in COMPILING and not any(vars_.get(name) for name in AS_OF_VARS):
            vars_ = {**self.default_vars(full_refresh="--full-refresh" in args), **vars_}
        cli = [*args, "--project-dir", str(self.project_dir), "--profiles-dir", str(self.project_dir), "--quiet"]
        if vars_:
            cli += ["--vars", "{" + ", ".join(f"{k}: '{v}'" for k, v in vars_.items() if v is not None) + "}"]
        if self.isolated:
            done = subprocess.run([DBT, *cli], env={**os.environ, **self.env}, capture_output=True, text=True)
            assert done.returncode == 0, f"dbt {' '.join(cli)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
            return None
        with self.pointed():
            result = dbtRunner().invoke(cli)
        failed = [f"{r.node.name}: {r.message}" for r in getattr(result.result, "results", None) or []
                  if str(r.status) not in ("success", "pass", "no-op")]
        assert result.success, f"dbt {' '.join(cli)} failed: {result.exception or failed}"
        return result

    def materialize(self, *select: str, full_refresh: bool = False, vars_: dict[str, str] | None = None) -> Any:
        """Build the selected seeds, snapshots and models without their tests: what `dbt run` does, plus
        the snapshots (`dbt run` takes none, and the account attribute periods read one)."""
        return self.dbt("build", *(["--select", *select] if select else []),
                        "--exclude-resource-type", "test", "unit_test",
                        *(["--full-refresh"] if full_refresh else []), vars_=vars_)

    def query(self, sql: str) -> pd.DataFrame:
        # Same (default) configuration as dbt's connection: DuckDB refuses a second, different one.
        with duckdb.connect(str(self.path)) as con:
            return con.execute(sql).df()

    def execute(self, sql: str) -> None:
        with duckdb.connect(str(self.path)) as con:
            con.execute(sql)

    def table(self, name: str, where: str = "true") -> pd.DataFrame:
        """A table's rows (sorted by every column, so two reads compare equal)."""
        frame = self.query(f"select * from {name} where {where}")
        return frame.sort_values(list(frame.columns)).reset_index(drop=True)

    def row(self, name: str, where: str) -> dict[str, object]:
        frame = self.table(name, where)
        assert len(frame) == 1, f"{name} where {where}: {len(frame)} rows"
        return frame.iloc[0].to_dict()
