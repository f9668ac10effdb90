"""The models' SQL follows the house style: `sqlfluff lint models macros` (`.sqlfluff`, as `make lint`
runs it) reports nothing.

sqlfluff's dbt templater compiles every model against an empty in-memory DuckDB (the `lint` target).
It skips macro files: what a macro renders (its DuckDB version) into a model must parse, but sqlfluff
ignores the style of templated code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_DIR


def test_models_follow_the_sql_style(tmp_path: Path) -> None:
    # dbt's artifacts in tmp rather than the project's target/ (.sqlfluff names target/sqlfluff)
    extra_config = tmp_path / "sqlfluff.cfg"
    extra_config.write_text(f"[sqlfluff:templater:dbt]\ntarget_path = {tmp_path / 'target'}\n")
    result = subprocess.run(
        [sys.executable, "-m", "sqlfluff", "lint", "models", "macros", "--config", str(extra_config),
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
