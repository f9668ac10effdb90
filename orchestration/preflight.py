"""What `cli run` checks before a run starts, so what a person can fix fails in one line, at once.

- The landing folder: demo data is generated only into the default landing folder (`landing/`
  under the data folder) when it holds no file, or anywhere with `--demo` (`make demo`). A folder
  the user named in CS_LANDING_DIR that is missing or empty is an error: a typo must never
  publish demo data over the real serving file.
- The warehouse: a DuckDB file another program has open (a SQL client, a BI tool) cannot be
  written; say which program, instead of failing half way.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration import settings

if TYPE_CHECKING:
    from orchestration.console import RunConsole

DUCKDB_HOLDER = re.compile(r"lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class UserError(Exception):
    """An expected failure before the run starts; its text says what is wrong and what to do."""


def _has_landing_files(landing: Path) -> bool:
    """Whether the folder holds a file the loader would read (names starting with . or _ it skips)."""
    return landing.is_dir() and any(
        path.is_file() and not any(part.startswith((".", "_")) for part in path.relative_to(landing).parts)
        for path in landing.rglob("*")
    )


def needs_demo_data(demo: bool) -> bool:
    """Whether to generate the demo dataset: into an empty default landing folder, or with --demo.
    A landing folder the user named (CS_LANDING_DIR) that is missing or empty is an error: a typo
    must not publish demo data over the real serving file."""
    landing = settings.landing_dir()
    if _has_landing_files(landing):
        return False
    if demo or landing == settings.data_dir() / "landing":
        return True
    state = "does not exist" if not landing.exists() else "holds no landing file"
    raise UserError(
        f"the landing folder {landing} (CS_LANDING_DIR) {state}: point CS_LANDING_DIR at the folder with "
        "your raw tables, or unset it for the demo data (`make demo` generates them there)"
    )


def generate_demo_data(console: RunConsole) -> None:
    landing = settings.landing_dir()
    # the demo's ground truth (each account's latent churn propensity, for the quality benchmark)
    # goes beside the landing folder, where no model reads it
    truth = landing.parent / "demo_truth"
    console.say(f"==> generating the demo dataset into {landing} (2,000 accounts x 400 days; ground truth in {truth})")
    done = subprocess.run([sys.executable, "-m", "demo_data", "--out", str(landing), "--truth", str(truth)],
                          capture_output=True, text=True)
    console.log_only(done.stdout + done.stderr)
    if done.returncode != 0:
        raise UserError(f"the demo generator failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    console.say(f"    {(done.stdout.strip().splitlines() or [''])[-1]}")


def check_warehouse_free() -> None:
    """Refuse at once when another program (a SQL client, a BI tool) has the DuckDB warehouse open."""
    import duckdb

    from orchestration import warehouse

    path = settings.warehouse_path()
    if settings.dbt_target() == "postgres" or not path.exists():
        return
    try:
        warehouse.connect_duckdb(path).close()
    except duckdb.IOException as error:
        holder = DUCKDB_HOLDER.search(str(error))
        who = f" ({holder['program']}, PID {holder['pid']})" if holder else ""
        raise UserError(
            f"the warehouse {path} is open in another program{who}: close it and run again "
            f"(BI tools read {settings.serving_path()}, never the warehouse)"
        ) from None
