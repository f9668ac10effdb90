"""CLI: `python -m orchestration.loader [--landing DIR] [--target duckdb|postgres] [--check]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration import loader
from orchestration.loader import LandingError, load


def main(argv: list[str] | None = None) -> int:
    """Load and print the report; exit 1 on a `LandingError`, 2 with `--check` when too broken."""
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.loader",
        description=(loader.__doc__ or "").split("\n")[0],
    )
    parser.add_argument("--landing", type=Path, help="landing folder (default: CS_LANDING_DIR)")
    parser.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    parser.add_argument("--warehouse", type=Path, help="DuckDB warehouse file (default: CS_WAREHOUSE_PATH)")
    parser.add_argument(
        "--check", action="store_true", help="exit with status 2 when the input is too broken"
    )
    args = parser.parse_args(argv)
    try:
        report = load(args.landing, args.target, warehouse_path=args.warehouse)
    except LandingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 2 if args.check and report.too_broken else 0


if __name__ == "__main__":
    sys.exit(main())
