"""Synthetic SaaS book of business for the raw landing tables (demo data and tests).

    from orchestration.synthetic import generate, expected_bad_rows
    counts = generate(accounts=2000, days=400, seed=7, out=Path("data/landing"))

CLI: `python -m orchestration.synthetic --help`.
"""

from orchestration.synthetic.bad_rows import BadRow, expected_bad_rows
from orchestration.synthetic.generator import DEFAULT_END, generate

__all__ = ["DEFAULT_END", "BadRow", "expected_bad_rows", "generate"]
