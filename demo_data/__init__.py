"""Synthetic SaaS book of business for the raw landing tables (demo data and tests).

    from demo_data import generate, expected_bad_rows
    counts = generate(accounts=2000, days=400, seed=7, out=Path("data/landing"))

CLI: `python -m demo_data --help`.

The whole history (every subscription, event, ticket...) lies within the `days` days ending on
`end`: a launch cohort (35% of accounts) starts in the first 15% of the history and the rest
arrive steadily until the last day. Each account has a hidden daily health (`lifecycle.py`)
that drives usage, support, NPS, touchpoints, payments, expansions, contractions and churn, so
low engagement precedes churn by weeks to months. A few large accounts head corporate families
(`families.py`), the CRM keeps a field history of account attributes (`field_history.py`) and
CSMs override some segments (`overrides.py`). With `truth=DIR` (`--truth`), each account's latent
churn propensity per month is written to DIR, outside the landing folder (`truth.py`). The same
arguments give byte-identical files.
"""

from demo_data.bad_rows import BadRow, expected_bad_rows
from demo_data.generator import DEFAULT_END, generate

__all__ = ["DEFAULT_END", "BadRow", "expected_bad_rows", "generate"]
