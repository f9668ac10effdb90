"""Tests of the generator's account facts beyond the accounts table (`demo_data`): corporate
families, the CRM's field history, CSM overrides, and the ground truth written beside the data.

The contract checks of tests/test_generator.py (columns, keys, enumerations) cover these tables
too; here: families are trees of 2-10 children, the history ends in the current values, the
overrides are valid and varied, and the ground truth is deterministic and kept out of the landing
folder.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from demo_data import generate
from demo_data.truth import LATENT_CHURN_FILE
from orchestration import contract, rules

MEDIUM = {"accounts": 600, "days": 300, "seed": 5}
END = "date '2026-10-31'"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("accounts")
    generate(**MEDIUM, out=root / "landing", truth=root / "demo_truth")
    return root / "landing", root / "demo_truth"


@pytest.fixture(scope="module")
def db(folders: tuple[Path, Path]) -> duckdb.DuckDBPyConnection:
    landing, truth = folders
    con = duckdb.connect()
    for table in ("accounts", "subscriptions", "account_field_history", "segment_overrides"):
        con.execute(f"create view {table} as select * from read_parquet('{landing / table}.parquet')")
    con.execute(f"create view latent_churn as select * from read_parquet('{truth / LATENT_CHURN_FILE}')")
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchone()[0]


# ------------------------------------------------------------------------------------- families


def test_families_have_two_to_ten_children(db: duckdb.DuckDBPyConnection) -> None:
    children = [n for (n,) in db.execute(
        "select count(*) from accounts where parent_account_id is not null group by parent_account_id"
    ).fetchall()]
    assert len(children) >= 3 and all(2 <= n <= 10 for n in children)
    assert _one(db, "select count(*) from accounts where parent_account_id not in (select account_id "
                    "from accounts)") == 0


def test_families_have_no_cycle(db: duckdb.DuckDBPyConnection) -> None:
    parent = dict(db.execute("select account_id, parent_account_id from accounts").fetchall())
    depths = []
    for account in parent:
        seen, node = set(), account
        while node is not None:
            assert node not in seen, f"cycle through {account}"
            seen.add(node)
            node = parent[node]
        depths.append(len(seen))
    assert max(depths) >= 2


# ---------------------------------------------------------------------------------- field history


def test_each_change_starts_from_the_value_the_last_one_left(db: duckdb.DuckDBPyConnection) -> None:
    broken = _one(db, """
        select count(*) from (
            select old_value,
                   lag(new_value) over (partition by account_id, field order by changed_at) as before,
                   row_number() over (partition by account_id, field order by changed_at) as n
            from account_field_history
        ) where n > 1 and old_value is distinct from before
    """)
    assert broken == 0
    no_ops = "select count(*) from account_field_history where old_value is not distinct from new_value"
    assert _one(db, no_ops) == 0


def test_the_last_change_of_each_field_is_the_current_value(db: duckdb.DuckDBPyConnection) -> None:
    current = {
        "industry": "a.industry",
        "csm_owner": "a.csm_owner",
        "parent_account_id": "a.parent_account_id",
        "potential_arr": "cast(a.potential_arr as varchar)",
        "is_reference": "cast(a.is_reference as varchar)",
    }
    kinds = {f for (f,) in db.execute("select distinct field from account_field_history").fetchall()}
    assert kinds == set(current)
    for field, value in current.items():
        mismatched = _one(db, f"""
            select count(*) from account_field_history h join accounts a using (account_id)
            where h.field = '{field}' and h.new_value is distinct from {value}
              and h.changed_at = (select max(changed_at) from account_field_history l
                                  where l.account_id = h.account_id and l.field = h.field)
        """)
        assert mismatched == 0, field


def test_changes_happen_while_the_account_exists(db: duckdb.DuckDBPyConnection) -> None:
    assert _one(db, f"""
        select count(*) from account_field_history h join accounts a using (account_id)
        where h.changed_at <= a.created_at or h.changed_at > a.updated_at or h.changed_at::date > {END}
    """) == 0
    # a parent is linked once both accounts exist
    assert _one(db, """
        select count(*) from account_field_history h join accounts p on p.account_id = h.new_value
        where h.field = 'parent_account_id' and h.changed_at <= p.created_at
    """) == 0


def test_some_accounts_have_no_owner_large_ones_included(db: duckdb.DuckDBPyConnection) -> None:
    unowned_large = _one(db, """
        with arr as (select account_id, 12 * sum(mrr) as arr from subscriptions
                     where ended_on is null and status <> 'trialing' group by 1)
        select count(*) from accounts join arr using (account_id) where csm_owner is null and arr >= 25000
    """)
    assert unowned_large > 0
    # ... and some of them lost their CSM during the history
    assert _one(db, "select count(*) from account_field_history where field = 'csm_owner' "
                    "and new_value is null") > 0


# -------------------------------------------------------------------------------------- overrides


def test_overrides_are_valid_for_their_type(db: duckdb.DuckDBPyConnection) -> None:
    for segment_type, value_set in contract.OVERRIDE_VALUES:
        values = ", ".join(f"'{v}'" for v in rules.values(value_set))
        assert _one(db, f"select count(*) from segment_overrides where segment_type = '{segment_type}' "
                        f"and value not in ({values})") == 0
    assert _one(db, "select count(*) from segment_overrides where trim(reason) = '' or reason is null "
                    "or expires_on < starts_on or set_at::date > starts_on") == 0


def test_overrides_cover_every_type_and_how_they_end(db: duckdb.DuckDBPyConnection) -> None:
    types = {t for (t,) in db.execute("select distinct segment_type from segment_overrides").fetchall()}
    assert types == set(contract.SEGMENT_TYPES)
    assert _one(db, f"select count(*) from segment_overrides where expires_on < {END}") > 0
    assert _one(db, f"select count(*) from segment_overrides where expires_on is null "
                    f"and set_at::date < {END} - 90") > 0
    overlapping = _one(db, """
        select count(*) from segment_overrides a join segment_overrides b
            on a.account_id = b.account_id and a.segment_type = b.segment_type
            and a.override_id < b.override_id
        where b.starts_on <= coalesce(a.expires_on, b.starts_on)
          and a.starts_on <= coalesce(b.expires_on, a.starts_on)
    """)
    assert overlapping > 0


# ---------------------------------------------------------------------------------- ground truth


def test_the_truth_is_deterministic_and_outside_the_landing_folder(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    landing, truth = folders
    assert not list(landing.rglob("*truth*")) and not list(landing.rglob(LATENT_CHURN_FILE))
    generate(**MEDIUM, out=tmp_path / "landing", truth=tmp_path / "truth")
    pairs = [(truth / LATENT_CHURN_FILE, tmp_path / "truth" / LATENT_CHURN_FILE)]
    pairs += [(landing / f"{t}.parquet", tmp_path / "landing" / f"{t}.parquet")
              for t in ("accounts", "account_field_history", "segment_overrides")]
    for before, after in pairs:
        assert hashlib.sha256(before.read_bytes()).digest() == hashlib.sha256(after.read_bytes()).digest()


def test_the_truth_has_a_propensity_per_account_and_month(db: duckdb.DuckDBPyConnection) -> None:
    assert _one(db, "select count(*) - count(distinct (account_id, month)) from latent_churn") == 0
    assert _one(db, "select count(*) from latent_churn where propensity < 0 or propensity > 1 "
                    "or day(month) <> 1") == 0
    assert _one(db, "select count(distinct account_id) from latent_churn") == _one(
        db, "select count(distinct account_id) from subscriptions")
    # accounts that decided to churn had a higher propensity that month than those that did not
    decided, stayed = db.execute(
        "select avg(propensity) filter (where decided_to_churn), "
        "avg(propensity) filter (where not decided_to_churn) from latent_churn where propensity > 0"
    ).fetchone()
    assert decided > 2 * stayed
