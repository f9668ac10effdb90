"""The models' SQL follows the house style: `sqlfluff lint models macros` (`.sqlfluff`, as `make lint`
runs it) reports nothing.

sqlfluff's dbt templater compiles every model against an empty in-memory DuckDB (the `lint` target).
It skips macro files: what a macro renders (its DuckDB version) into a model must parse, but sqlfluff
ignores the style of templated code. It also skips disabled models, and a connector's staging models
are enabled only when a domain var names the connector: so the connector folders are linted again
with vars choosing each connector (two runs, since two connectors can serve the same domain).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_DIR


# (paths, the vars that enable them): the project as it runs by default, then each connector's models
RUNS = {
    "default": (("models", "macros"), {}),
    "connectors": (
        ("models/staging/stripe", "models/staging/salesforce", "models/staging/segment", "models/staging/zendesk"),
        {"billing_source": "stripe", "accounts_source": "salesforce", "success_source": "salesforce",
         "usage_source": "segment", "support_source": "zendesk"},
    ),
    "other_connectors": (
        ("models/staging/hubspot", "models/staging/amplitude"),
        {"accounts_source": "hubspot", "usage_source": "amplitude"},
    ),
}


@pytest.mark.parametrize("run", list(RUNS))
def test_models_follow_the_sql_style(run: str, tmp_path: Path) -> None:
    paths, sources = RUNS[run]
    # dbt's artifacts in tmp rather than the project's target/ (.sqlfluff names target/sqlfluff)
    extra_config = tmp_path / "sqlfluff.cfg"
    context = "".join(f"{name} = {value}\n" for name, value in sources.items())
    if context:  # the context replaces .sqlfluff's: the as-of days it names are needed too
        context = "[sqlfluff:templater:dbt:context]\nas_of_start = 2026-10-01\nas_of_end = 2026-10-31\n" + context
    extra_config.write_text(f"[sqlfluff:templater:dbt]\ntarget_path = {tmp_path / 'target'}\n{context}")
    result = subprocess.run(
        [sys.executable, "-m", "sqlfluff", "lint", *paths, "--config", str(extra_config),
         "--format", "json", "--nofail"],
        cwd=PROJECT_DIR, capture_output=True, text=True,
        env={**os.environ, "DBT_LOG_PATH": str(tmp_path / "logs")},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    violations = [
        f"{file['filepath']}:{violation['start_line_no']} {violation['code']} {violation['description']}"
        for file in json.loads(result.stdout)
        for violation in file["violations"]
        if not violation.get("warning")
    ]
    if violations:
        pytest.fail("sqlfluff (`make lint` shows the same):\n" + "\n".join(violations), pytrace=False)
