"""Tests of the synthetic data generator (`demo_data`).

A small dataset checks the raw contract (columns, keys, foreign keys, enumerations, ranges,
time consistency); a medium one checks that the data looks like a SaaS book of business
(tier mix, industry rhythms, low usage before churn); bad-row mode is checked against the
list the generator publishes and against the real loader.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from demo_data import DEFAULT_END, expected_bad_rows, generate
from demo_data.__main__ import main as cli_main
from demo_data.output import ARROW_TYPES
from demo_data.world import EVENT_NAMES, INDUSTRIES, PLANS
from orchestration import contract

SMALL = {"accounts": 40, "days": 120, "seed": 11}
MEDIUM = {"accounts": 500, "days": 300, "seed": 5}
END = DEFAULT_END
START = date.fromordinal(END.toordinal() - SMALL["days"] + 1)
END_OF_DAY = f"timestamp '{datetime(END.year, END.month, END.day, 23, 59, 59)}'"
TABLE_NAMES = [t.name for t in contract.TABLES]

# (table, timestamp column) of everything that happens to an account.
ACCOUNT_EVENTS = (
    ("usage_events", "occurred_at"),
    ("support_tickets", "opened_at"),
    ("touchpoints", "occurred_at"),
    ("nps_responses", "responded_at"),
    ("users", "created_at"),
)
# Rows that must hold for every generated row (table, predicate of a BAD row).
INVARIANTS = (
    ("subscriptions", "ended_on < started_on"),
    ("subscriptions", "renews_on <= started_on"),
    ("subscriptions", f"ended_on > date '{END}'"),
    # running periods are active / past_due, ended ones cancelled; trials stay trialing
    ("subscriptions", "status <> 'trialing' and (ended_on is null) <> (status in ('active', 'past_due'))"),
    ("invoices", "due_on < issued_on or paid_on < issued_on"),
    ("invoices", f"paid_on > date '{END}' or issued_on > date '{END}'"),
    ("invoices", "status = 'paid' and paid_on is null"),
    ("support_tickets", "first_response_at < opened_at or resolved_at < first_response_at"),
    ("support_tickets", "resolved_at is not null and first_response_at is null"),
    ("support_tickets", f"first_response_at > {END_OF_DAY} or resolved_at > {END_OF_DAY}"),
    ("users", f"created_at > {END_OF_DAY} or deactivated_at > {END_OF_DAY} or deactivated_at <= created_at"),
    ("accounts", f"updated_at < created_at or updated_at > {END_OF_DAY}"),
    # nothing before the account exists: created on or before its first subscription start
    ("accounts", """created_at::date > (select min(started_on) from subscriptions s
        where s.account_id = accounts.account_id)"""),
    # periods of an account do not overlap
    ("""(select started_on, lag(ended_on) over (partition by account_id order by started_on) as prev
        from subscriptions)""", "prev >= started_on"),
    ("(select account_id from subscriptions where ended_on is null group by 1 having count(*) > 1)", "true"),
    # usage only while a subscription (a trial included) covers the day
    ("usage_events e", """not exists (select 1 from subscriptions s where s.account_id = e.account_id
        and s.started_on <= e.occurred_at::date
        and coalesce(s.ended_on, e.occurred_at::date) >= e.occurred_at::date)"""),
    # every account has an admin
    ("accounts", "account_id not in (select account_id from users where role = 'admin')"),
    ("invoices", "subscription_id not in (select subscription_id from subscriptions)"),
)  # fmt: skip


def _connect(folder: Path, fmt: str = "parquet") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    reader = "read_parquet" if fmt == "parquet" else "read_csv_auto"
    for table in TABLE_NAMES:
        con.execute(f"create view {table} as select * from {reader}('{folder / table}.{fmt}')")
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchone()[0]


def _violations(con: duckdb.DuckDBPyConnection, table: str, bad_row: str) -> int:
    return _one(con, f"select count(*) from {table} where {bad_row}")


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("small")
    return out, generate(**SMALL, out=out)


@pytest.fixture(scope="module")
def small_db(small: tuple[Path, dict[str, int]]) -> duckdb.DuckDBPyConnection:
    return _connect(small[0])


@pytest.fixture(scope="module")
def medium_db(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    out = tmp_path_factory.mktemp("medium")
    generate(**MEDIUM, out=out)
    return _connect(out)


# --------------------------------------------------------------------------- determinism, files


def test_same_seed_gives_identical_files(small: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    again = generate(**SMALL, out=tmp_path)
    assert again == small[1]
    assert _digests(tmp_path) == _digests(small[0])


def test_different_seeds_differ(small: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    generate(**{**SMALL, "seed": SMALL["seed"] + 1}, out=tmp_path)
    first, second = _digests(small[0]), _digests(tmp_path)
    assert first["usage_events.parquet"] != second["usage_events.parquet"]
    assert first["accounts.parquet"] != second["accounts.parquet"]


def test_every_table_has_exactly_the_contract_columns(small: tuple[Path, dict[str, int]]) -> None:
    folder, counts = small
    for table in contract.TABLES:
        schema = pq.read_schema(folder / f"{table.name}.parquet")
        assert schema.names == table.column_names, table.name
        for column in table.columns:
            assert schema.field(column.name).type == ARROW_TYPES[column.type], (table.name, column.name)
        assert counts[table.name] == pq.read_metadata(folder / f"{table.name}.parquet").num_rows > 0


def test_csv_format_and_drop_folder(tmp_path: Path) -> None:
    counts = generate(accounts=10, days=30, seed=1, out=tmp_path, fmt="csv", drop_name="part-0001")
    for table in contract.TABLES:
        header = (tmp_path / table.name / "part-0001.csv").read_text().splitlines()[0]
        assert header.replace('"', "").split(",") == table.column_names
    events = tmp_path / "usage_events" / "part-0001.csv"
    assert _one(duckdb.connect(), f"select count(*) from read_csv_auto('{events}')") == counts["usage_events"]
    # Booleans as true/false, nulls as empty fields, ISO timestamps in whole seconds.
    accounts = (tmp_path / "accounts" / "part-0001.csv").read_text().splitlines()[1]
    assert ",false," in accounts or ",true," in accounts or ",," in accounts
    assert accounts.rsplit(",", 1)[1][:4].isdigit() and "." not in accounts.rsplit(",", 1)[1]
    assert not list(tmp_path.rglob(".*.tmp"))


def test_cli_writes_the_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--accounts", "5", "--days", "20", "--seed", "2", "--out", str(tmp_path), "--end", "2026-01-31"]
    assert cli_main(args) == 0
    assert "usage_events" in capsys.readouterr().out
    assert _one(_connect(tmp_path), "select max(occurred_at)::date from usage_events") <= date(2026, 1, 31)


def test_rejects_an_end_in_the_future(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="after today"):
        generate(accounts=5, days=10, seed=1, out=tmp_path, end=date(2999, 1, 1))


# --------------------------------------------------------------------------- the raw contract


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_keys_are_unique_and_not_null(small_db: duckdb.DuckDBPyConnection, table: str) -> None:
    key = contract.TABLES_BY_NAME[table].key
    assert _one(small_db, f"select count(*) - count(distinct {key}) from {table}") == 0
    assert _violations(small_db, table, f"{key} is null") == 0


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_values_respect_the_contract(small_db: duckdb.DuckDBPyConnection, table: str) -> None:
    spec = contract.TABLES_BY_NAME[table]
    for column in spec.columns:
        name = column.name
        if not column.nullable:
            assert _violations(small_db, table, f"{name} is null") == 0, name
        if column.accepted_values:
            allowed = ", ".join(f"'{v}'" for v in column.accepted_values)
            assert _violations(small_db, table, f"{name} not in ({allowed})") == 0, name
        if column.min_value is not None:
            assert _violations(small_db, table, f"{name} < {column.min_value}") == 0, name
        if column.max_value is not None:
            assert _violations(small_db, table, f"{name} > {column.max_value}") == 0, name
    if spec.has_currency:
        assert _violations(small_db, table, f"currency <> '{contract.DEFAULT_CURRENCY}'") == 0
    if spec.account_fk:
        assert _violations(small_db, table, "account_id not in (select account_id from accounts)") == 0
    if "user_id" in spec.column_names:
        assert _violations(small_db, table, "user_id not in (select user_id from users)") == 0


def test_catalogue_values(small_db: duckdb.DuckDBPyConnection) -> None:
    def distinct(sql: str) -> set[object]:
        return {row[0] for row in small_db.execute(sql).fetchall()}

    assert distinct("select distinct plan from subscriptions") <= set(PLANS)
    assert distinct("select distinct event_name from usage_events") <= set(EVENT_NAMES)
    assert distinct("select distinct industry from accounts") <= set(INDUSTRIES) | {None}


@pytest.mark.parametrize(("table", "bad_row"), INVARIANTS)
def test_invariants_hold(small_db: duckdb.DuckDBPyConnection, table: str, bad_row: str) -> None:
    assert _violations(small_db, table, bad_row) == 0


@pytest.mark.parametrize(("table", "column"), ACCOUNT_EVENTS)
def test_nothing_happens_after_the_end_or_before_its_owner_exists(
    small_db: duckdb.DuckDBPyConnection, table: str, column: str
) -> None:
    assert _violations(small_db, table, f"{column} > {END_OF_DAY}") == 0
    before_account = f"{column} < (select created_at from accounts a where a.account_id = {table}.account_id)"
    assert _violations(small_db, table, before_account) == 0
    if table != "users" and "user_id" in contract.TABLES_BY_NAME[table].column_names:
        user_alive = f"""user_id in (select user_id from users u where {table}.{column} < u.created_at
                                     or {table}.{column} >= u.deactivated_at)"""
        assert _violations(small_db, table, user_alive) == 0
    assert _one(small_db, "select min(started_on) from subscriptions") >= START


# --------------------------------------------------------------------------- realism


def test_tier_mix_is_heavy_tailed(medium_db: duckdb.DuckDBPyConnection) -> None:
    tiers = dict(
        medium_db.execute("""
            with arr as (select account_id, 12 * sum(mrr) as arr from subscriptions
                         where ended_on is null and status <> 'trialing' group by 1)
            select case when arr >= 100000 then 'enterprise' when arr >= 25000 then 'mid_market'
                        else 'smb' end,
                   count(*)
            from arr group by 1
        """).fetchall()
    )
    assert tiers["smb"] > tiers["mid_market"] > tiers["enterprise"] > 0
    assert tiers["smb"] > 0.5 * sum(tiers.values())


def test_plans_follow_size(medium_db: duckdb.DuckDBPyConnection) -> None:
    sql = "select plan, median(mrr) from subscriptions where status <> 'trialing' group by 1"
    median = dict(medium_db.execute(sql).fetchall())
    assert median["starter"] < median["business"] < median["enterprise"]


def test_some_accounts_cross_tier_floors_both_ways(medium_db: duckdb.DuckDBPyConnection) -> None:
    up, down = medium_db.execute("""
        with s as (
            select 12 * mrr as arr, lag(12 * mrr) over (partition by account_id order by started_on) as prev
            from subscriptions where status <> 'trialing'
        )
        select count(*) filter (where (prev < 25000 and arr >= 25000) or (prev < 100000 and arr >= 100000)),
               count(*) filter (where (prev >= 25000 and arr < 25000) or (prev >= 100000 and arr < 100000))
        from s where arr > 0
    """).fetchone()
    assert up > 0 and down > 0


def test_education_uses_the_product_fewer_days_than_technology(medium_db: duckdb.DuckDBPyConnection) -> None:
    days = dict(
        medium_db.execute("""
            with monthly as (
                select a.industry, e.account_id, date_trunc('month', e.occurred_at),
                       count(distinct e.occurred_at::date) as n
                from usage_events e join accounts a using (account_id)
                where a.industry in ('education', 'technology') group by all
            )
            select industry, avg(n) from monthly group by 1
        """).fetchall()
    )
    assert days["education"] * 2 < days["technology"]
    # The summer lull: July-August against September-October (both seen once in the window).
    summer, school = medium_db.execute("""
        select count(*) filter (where month(occurred_at) in (7, 8)),
               count(*) filter (where month(occurred_at) in (9, 10))
        from usage_events e join accounts a using (account_id) where a.industry = 'education'
    """).fetchone()
    assert summer < 0.5 * school


def test_usage_drops_before_churn(medium_db: duckdb.DuckDBPyConnection) -> None:
    # Accounts that churned (last period ended, none running) used the product much less, per
    # user, in the 90 days before their last day than accounts still running at that time.
    ratio, below, churned = medium_db.execute("""
        with spans as (
            select account_id, min(started_on) as first_start, max(ended_on) as last_end,
                   bool_or(ended_on is null) as running
            from subscriptions group by 1
        ),
        churned as (
            select account_id, last_end as churn_day from spans
            where not running and first_start <= last_end - 120
        ),
        user_counts as (select account_id, count(*) as users from users group by 1),
        daily as (
            select account_id, occurred_at::date as day, sum(quantity) as quantity
            from usage_events group by all
        ),
        peers as (
            select c.account_id as churned_id, s.account_id, c.churn_day
            from churned c join spans s
                on s.account_id = c.account_id or (s.running and s.first_start <= c.churn_day - 120)
        ),
        usage as (
            select p.churned_id, p.account_id = p.churned_id as is_churned,
                   coalesce(sum(d.quantity), 0) / any_value(u.users) as per_user
            from peers p
            join user_counts u on u.account_id = p.account_id
            left join daily d
                on d.account_id = p.account_id and d.day between p.churn_day - 90 and p.churn_day - 1
            group by p.churned_id, p.account_id
        ),
        compared as (
            select churned_id, max(per_user) filter (where is_churned) as own,
                   median(per_user) filter (where not is_churned) as peers
            from usage group by 1
        )
        select median(own / peers), avg((own < peers)::int), count(*) from compared where peers > 0
    """).fetchone()
    assert churned >= 15, "too few churned accounts to test"
    assert ratio < 0.6
    assert below > 0.65


def test_nps_is_lower_for_accounts_that_churn(medium_db: duckdb.DuckDBPyConnection) -> None:
    churned, running = medium_db.execute("""
        with status as (select account_id, bool_or(ended_on is null) as running from subscriptions group by 1)
        select avg(score) filter (where not running), avg(score) filter (where running)
        from nps_responses join status using (account_id)
    """).fetchone()
    assert churned < running - 1


# --------------------------------------------------------------------------- bad rows


@pytest.fixture(scope="module")
def bad_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bad")
    generate(**SMALL, out=out, bad_rows=True)
    return out


def test_bad_row_mode_injects_each_kind(bad_landing: Path) -> None:
    expected = expected_bad_rows()
    kinds = {row.reason.split(":")[0] for row in expected}
    assert {
        "null_key", "duplicate_key", "unknown_account_id", "unparseable", "null", "out_of_range",
        "not_accepted", "foreign_currency", "ended_on_before_started_on", "occurred_in_future",
        "unknown_parent_account_id", "parent_account_id_cycle", "changed_in_future", "set_in_future",
        "expires_on_before_starts_on",
    } <= kinds  # fmt: skip
    new_kinds = {(row.table, row.reason) for row in expected}
    assert {("segment_overrides", "not_accepted:segment_type"), ("segment_overrides", "not_accepted:value"),
            ("segment_overrides", "null:reason"), ("account_field_history", "not_accepted:field"),
            ("account_field_history", "unknown_parent_account_id")} <= new_kinds
    con = duckdb.connect()
    for row in expected:
        key = contract.TABLES_BY_NAME[row.table].key
        where = [f"{key} is null" if row.key is None else f"{key} = '{row.key}'"]
        where += [f"{column} = '{value}'" for column, value in row.match]
        found = f"select count(*) from read_parquet('{bad_landing / row.table}.parquet')"
        assert _one(con, f"{found} where {' and '.join(where)}") == (
            2 if row.reason == "duplicate_key" else 1
        ), row


def test_the_loader_rejects_exactly_the_bad_rows(bad_landing: Path, tmp_path: Path) -> None:
    from orchestration import loader

    warehouse = tmp_path / "warehouse.duckdb"
    report = loader.load(bad_landing, warehouse_path=warehouse, max_rejected_pct=100)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rejects = con.execute("select table_name, reason, record_key from raw.rejects").fetchall()
    expected = [(row.table, row.reason, row.key) for row in expected_bad_rows()]
    assert sorted(rejects, key=str) == sorted(expected, key=str)
    assert sum(t.rows_rejected for t in report.tables.values()) == len(expected)
