"""Benchmark of the synthetic data generator: wall time, peak memory and rows per size.

Each size runs in its own process (seed 7), so its peak memory (max RSS of the child) is its
own. Results are printed and written to `<workdir>/generate.json`.

    python bench/generate.py [--sizes 2000x400 20000x400] [--format parquet] [--workdir bench/out]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
MIB = 1024**2
# Runs in the child process: generate, then print the rows per table as JSON.
CHILD = """
import json, sys
from pathlib import Path
from demo_data import generate
accounts, days, fmt, out = sys.argv[1:]
print(json.dumps(generate(int(accounts), int(days), seed=7, out=Path(out), fmt=fmt)))
"""


def run_size(accounts: int, days: int, fmt: str, workdir: Path) -> dict[str, object]:
    out = workdir / f"landing_{accounts}x{days}_{fmt}"
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-c", CHILD, str(accounts), str(days), fmt, str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(command, cwd=PROJECT_DIR, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    rows = json.loads(result.stdout)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "accounts": accounts,
        "days": days,
        "format": fmt,
        "seconds": round(seconds, 1),
        # ru_maxrss of children is the maximum over all children so far: exact when sizes grow.
        "peak_rss_mib": round(max(peak_kib, before) / 1024),
        "output_mib": round(size / MIB),
        "rows": rows,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes", nargs="+", default=["2000x400", "20000x400"], help="ACCOUNTSxDAYS, growing"
    )
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--workdir", type=Path, default=PROJECT_DIR / "bench" / "out")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    results = []
    for size in args.sizes:
        accounts, days = (int(x) for x in size.split("x"))
        result = run_size(accounts, days, args.format, args.workdir)
        results.append(result)
        print(
            f"{accounts:>7,} accounts x {days} days: {result['seconds']:>6.1f}s, peak {result['peak_rss_mib']:,} MiB, "
            f"{result['rows']['usage_events']:,} usage events, {result['output_mib']:,} MiB of {args.format}"
        )
    (args.workdir / "generate.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
