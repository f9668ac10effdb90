"""The report page: one self-contained HTML file written next to the serving file at each publish.

It reads only the published serving file (read-only, like any BI reader) and shows what a CS
leader asks first: the segment mix by tier and lifecycle stage, the health bands over time, the
segment quality backtest, GRR/NRR by tier and the run's data-quality checks. Charts are inline SVG
and styles inline CSS, so the page opens with no network and no server. The figures are the
public tables' own; no rule is computed here.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from orchestration import runlog

REPORT_NAME = "report.html"
BAND_COLOURS = {"green": "#2e9e5b", "yellow": "#e0b000", "red": "#d1453b", None: "#b0b0b0"}
SERIES_COLOURS = ("#3366cc", "#dc3912", "#109618", "#990099")
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0; } .sub { color: #666; margin-top: .2rem; }
section { margin: 2rem 0; } table { border-collapse: collapse; font-size: .9rem; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; } .failed { color: #d1453b; font-weight: 600; }
.legend span { display: inline-block; margin-right: 1rem; } .swatch { width: .8rem; height: .8rem;
display: inline-block; margin-right: .3rem; vertical-align: middle; }
"""


def report_path(serving: Path) -> Path:
    return serving.with_name(REPORT_NAME)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], classes: Sequence[str] = ()) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, Decimal):
            value = float(value)
        if isinstance(value, float):
            return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.0f}"
        return html.escape("" if value is None else f"{value:,}" if isinstance(value, int) else str(value))

    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        f"<tr class=\"{classes[i] if i < len(classes) else ''}\">" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
        for i, row in enumerate(rows)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _legend(colours: dict[Any, str]) -> str:
    return "<div class=\"legend\">" + "".join(
        f"<span><i class=\"swatch\" style=\"background:{c}\"></i>{html.escape(str(k or 'unscored'))}</span>"
        for k, c in colours.items()
    ) + "</div>"


def stacked_bars(title: str, labels: Sequence[str], stacks: dict[Any, Sequence[float]],
                 colours: dict[Any, str], width: int = 1000, height: int = 240) -> str:
    """Vertical bars, one per label, each split into the shares of its stack values."""
    if not labels:
        return "<p>No data yet.</p>"
    step = width / len(labels)
    parts = [f"<svg role=\"img\" aria-label=\"{html.escape(title)}\" width=\"{width}\" height=\"{height + 20}\">"]
    for i, label in enumerate(labels):
        total = sum(values[i] for values in stacks.values()) or 1
        y = float(height)
        for key, values in stacks.items():
            h = height * values[i] / total
            y -= h
            parts.append(f"<rect x=\"{i * step + 2:.1f}\" y=\"{y:.1f}\" width=\"{step - 4:.1f}\" height=\"{h:.1f}\" "
                         f"fill=\"{colours.get(key, '#888')}\"><title>{html.escape(f'{label} {key}: {values[i]:,.0f}')}"
                         "</title></rect>")
        if len(labels) <= 24 or i % max(1, len(labels) // 12) == 0:
            parts.append(f"<text x=\"{i * step + step / 2:.1f}\" y=\"{height + 14}\" font-size=\"10\" "
                         f"text-anchor=\"middle\">{html.escape(label)}</text>")
    parts.append("</svg>")
    return _legend({k: colours.get(k, "#888") for k in stacks}) + "".join(parts)


def lines(title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]],
          width: int = 1000, height: int = 220) -> str:
    """One polyline per series over the labels, each scaled to 0..its own maximum (at least 1)."""
    if not labels:
        return "<p>No data yet.</p>"
    step = width / max(1, len(labels) - 1)
    top = max([1.0] + [v for values in series.values() for v in values if v is not None])
    parts = [f"<svg role=\"img\" aria-label=\"{html.escape(title)}\" width=\"{width}\" height=\"{height + 20}\">"]
    colours = dict(zip(series, SERIES_COLOURS))
    parts.append(f"<text x=\"0\" y=\"10\" font-size=\"10\">{top:.2f}</text>")
    parts.append(f"<line x1=\"0\" y1=\"{height}\" x2=\"{width}\" y2=\"{height}\" stroke=\"#ccc\"/>")
    for name, values in series.items():
        points = " ".join(f"{i * step:.1f},{height - height * v / top:.1f}" for i, v in enumerate(values) if v is not None)
        parts.append(f"<polyline fill=\"none\" stroke=\"{colours[name]}\" stroke-width=\"2\" points=\"{points}\"/>")
    for i, label in enumerate(labels):
        parts.append(f"<text x=\"{i * step:.1f}\" y=\"{height + 14}\" font-size=\"10\">{html.escape(label)}</text>")
    parts.append("</svg>")
    return _legend(colours) + "".join(parts)


def _sections(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    mix = _rows(con, """
        select arr_tier, lifecycle_stage, count(*), sum(arr) from account_segments
        group by all order by min(tier_rank) desc nulls last, arr_tier, lifecycle_stage""")
    stages = sorted({row[1] for row in mix})
    tiers = list(dict.fromkeys(row[0] for row in mix))
    counts = {(t, s): n for t, s, n, _ in mix}
    mix_table = _table(["tier", *stages, "ARR"], [
        (tier, *(counts.get((tier, s), 0) for s in stages), float(sum(a or 0 for t, _, _, a in mix if t == tier)))
        for tier in tiers
    ])
    bands = _rows(con, """
        select cast(as_of_date as varchar), health_band, count(*) from account_health_daily
        where as_of_date = last_day(as_of_date) or as_of_date = (select max(as_of_date) from account_health_daily)
        group by all order by 1""")
    days = list(dict.fromkeys(row[0] for row in bands))
    band_keys = [b for b in BAND_COLOURS if any(row[1] == b for row in bands)]
    by_band = {b: [float(sum(n for d, k, n in bands if d == day and k == b)) for day in days] for b in band_keys}
    quality = _rows(con, """
        select cast(snapshot_date as varchar), at_risk_share, churn_rate_90d, at_risk_lift, health_auc,
               band_changes_per_account_year, risk_entries_per_account_year
        from segment_quality_monthly order by snapshot_date""")
    retention = _rows(con, """
        select cast(month as varchar), segment_value, starting_arr, grr, nrr, logo_churn_rate
        from segment_summary_monthly where segment_type = 'arr_tier'
          and month >= (select max(month) from segment_summary_monthly) - interval 5 month
        order by month desc, segment_value""")
    published_run = f"select run_id from run_log where status = '{runlog.PUBLISHED}' order by finished_at desc limit 1"
    checks = _rows(con, f"""
        select asset_key, count(*) filter (where outcome = 'passed'), count(*) filter (where outcome = 'warned'),
               count(*) filter (where outcome = 'failed')
        from run_log_checks where run_id = ({published_run}) group by all order by 4 desc, 3 desc, 1""")
    not_passed = _rows(con, f"""
        select asset_key, check_name, outcome, description from run_log_checks
        where run_id = ({published_run}) and outcome <> 'passed' order by outcome, asset_key, check_name""")
    passed = sum(row[1] for row in checks)
    return [
        ("Segment mix by revenue tier and lifecycle stage", mix_table),
        ("Health bands over time (month ends and the latest day)",
         stacked_bars("health bands over time", days, by_band, BAND_COLOURS)),
        ("Segment quality (backtest: does the at-risk flag find the accounts that churn within 90 days?)",
         lines("segment quality", [q[0] for q in quality],
               {"at-risk lift": [q[3] for q in quality], "health AUC": [q[4] for q in quality]})
         + _table(["snapshot", "at-risk share", "churn 90d", "at-risk lift", "health AUC",
                   "band changes / acct-yr", "risk entries / acct-yr"], quality)),
        ("GRR and NRR by tier (last six months)",
         _table(["month", "tier", "starting ARR", "GRR", "NRR", "logo churn"], retention)),
        (f"Data-quality checks of the published run ({passed:,} passed, {len(not_passed):,} warned or failed)",
         _table(["asset", "passed", "warned", "failed"], checks,
                ["failed" if row[3] else "" for row in checks])
         + (_table(["asset", "check", "outcome", "what it found"], not_passed) if not_passed else "")),
    ]


def write_report(serving: Path) -> Path:
    """Write the report page for the published serving file (replaced in one rename) and return its path."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        as_of, accounts, arr = con.execute(
            "select max(as_of_date), count(*), sum(arr) from account_segments").fetchone()
        sections = _sections(con)
    finally:
        con.close()
    body = "".join(f"<section><h2>{html.escape(title)}</h2>{content}</section>" for title, content in sections)
    page = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Customer segments report</title>"
        f"<style>{STYLE}</style></head><body><h1>Customer segments report</h1>"
        f"<p class=\"sub\">As of {as_of}: {accounts:,} accounts, ARR {float(arr or 0):,.0f}. "
        f"From {html.escape(serving.name)}.</p>{body}</body></html>"
    )
    target = report_path(serving)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(page, encoding="utf-8")
    os.replace(temporary, target)
    return target
