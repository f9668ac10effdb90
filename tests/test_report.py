"""The report page a publish writes next to the serving file, as a person sees it: rendered by
headless Chromium (Debian's package; `make test` installs it) from the file alone, with no network.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.report import report_path
from tests.ops_pipeline import published_base

SECTIONS = (
    "Segment mix by revenue tier and lifecycle stage",
    "Health bands over time",
    "Segment quality",
    "GRR and NRR by tier",
    "Data-quality checks of the published run",
)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "headless Chromium is missing: `make test` installs Debian's package (make chromium)"
    return found


def headless(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--hide-scrollbars", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def page() -> Path:
    return report_path(published_base() / "serving.duckdb")


def test_the_page_is_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), "the page fetches something from a network"
    assert "<script" not in text


def test_chromium_renders_every_section_with_the_published_figures(page: Path, tmp_path: Path) -> None:
    dom = headless("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    for section in SECTIONS:
        assert section in dom.stdout
    with duckdb.connect(str(page.with_name("serving.duckdb")), read_only=True) as con:
        as_of, accounts = con.execute("select max(as_of_date), count(*) from account_segments").fetchone()
        tiers = [t for (t,) in con.execute("select distinct arr_tier from account_segments").fetchall()]
    assert f"As of {as_of}: {accounts:,} accounts" in dom.stdout
    assert all(f"<td>{tier}</td>" in dom.stdout for tier in tiers)
    assert dom.stdout.count("<svg") == 2  # the band and quality charts

    shot = tmp_path / "report.png"
    done = headless("--window-size=1200,2400", f"--screenshot={shot}", page.as_uri())
    assert done.returncode == 0 and shot.stat().st_size > 20_000, done.stderr[-2000:]
