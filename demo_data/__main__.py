"""CLI: `python -m demo_data --accounts 2000 --days 400 --seed 7 --out data/landing [--truth data/demo_truth]
[--shape stripe,salesforce,segment,zendesk]`."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from demo_data.generator import DEFAULT_END, generate
from demo_data.output import FORMATS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo_data", description=__doc__)
    parser.add_argument("--accounts", type=int, default=2000, help="number of accounts (default 2000)")
    parser.add_argument("--days", type=int, default=400, help="days of history ending at --end (default 400)")
    parser.add_argument(
        "--seed", type=int, default=7, help="random seed; same arguments, same files (default 7)"
    )
    parser.add_argument("--out", type=Path, required=True, help="landing folder to write into")
    parser.add_argument(
        "--end",
        type=date.fromisoformat,
        default=DEFAULT_END,
        help=f"last day of generated usage, YYYY-MM-DD (default {DEFAULT_END})",
    )
    parser.add_argument("--format", choices=FORMATS, default="parquet", help="file format (default parquet)")
    parser.add_argument(
        "--bad-rows", action="store_true", help="add one bad row of each kind the loader rejects"
    )
    parser.add_argument(
        "--drop-name", help="write <table>/<DROP_NAME>.<ext> (a new drop) instead of <table>.<ext>"
    )
    parser.add_argument(
        "--shape",
        default="",
        help="write these connectors' domains in their own shapes (landing sub-folders), comma-separated: "
        "stripe, salesforce, hubspot, segment, amplitude, zendesk (default: the contract's shape)",
    )
    parser.add_argument(
        "--truth",
        type=Path,
        help="also write the ground truth for benchmarks (latent churn propensity) into this folder, "
        "outside the landing folder",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    try:
        counts = generate(
            args.accounts,
            args.days,
            args.seed,
            args.out,
            end=args.end,
            fmt=args.format,
            bad_rows=args.bad_rows,
            drop_name=args.drop_name,
            truth=args.truth,
            shape=args.shape,
        )
    except ValueError as error:
        parser.error(str(error))
    for table, rows in counts.items():
        print(f"{table:<32} {rows:>12,}")
    print(f"wrote {sum(counts.values()):,} rows to {args.out} in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
