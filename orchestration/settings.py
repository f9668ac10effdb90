"""Paths and options from the environment, in one place.

Every other module asks this one where the data lives, so the environment
variables the README names are read here and nowhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


def data_dir() -> Path:
    """Root of the local data: landing files, warehouse and serving databases."""
    return _path("CS_DATA_DIR", PROJECT_DIR / "data")


def landing_dir() -> Path:
    """Landing folder: `<table>.csv|.parquet` or a folder `<table>/` per raw table."""
    return _path("CS_LANDING_DIR", data_dir() / "landing")


def warehouse_path() -> Path:
    """The working DuckDB warehouse dbt builds into (never read by BI tools)."""
    return _path("CS_WAREHOUSE_PATH", data_dir() / "warehouse.duckdb")


def serving_path() -> Path:
    """The serving DuckDB file BI tools read; replaced atomically on publish."""
    return _path("CS_SERVING_PATH", data_dir() / "serving.duckdb")


def dbt_target() -> str:
    return os.environ.get("CS_DBT_TARGET", "dev")


def postgres_settings() -> dict[str, str | int]:
    """Connection settings of the PostgreSQL warehouse (keyword arguments of psycopg2.connect)."""
    return {
        "host": os.environ.get("CS_PG_HOST", "localhost"),
        "port": int(os.environ.get("CS_PG_PORT", "5432")),
        "user": os.environ.get("CS_PG_USER", "postgres"),
        "password": os.environ.get("CS_PG_PASSWORD", ""),
        "dbname": os.environ.get("CS_PG_DATABASE", "cs_segmentation"),
    }


def postgres_serving_database() -> str:
    """The PostgreSQL database BI tools read (schema `marts`), on the warehouse's server."""
    return os.environ.get("CS_PG_SERVING_DATABASE", f"{postgres_settings()['dbname']}_serving")


def postgres_bi_role() -> tuple[str, str | None]:
    """Name and password (None: leave it as it is) of the read-only PostgreSQL role for BI tools."""
    return os.environ.get("CS_PG_BI_ROLE", "cs_bi_reader"), os.environ.get("CS_PG_BI_PASSWORD")


def dbt_target_path() -> Path:
    """dbt's target folder (manifest, artifacts); dbt's own DBT_TARGET_PATH, relative to the project."""
    value = os.environ.get("DBT_TARGET_PATH")
    return (PROJECT_DIR / value).resolve() if value else PROJECT_DIR / "target"


def dagster_home() -> Path:
    """Dagster's instance folder (run history, schedules, sensor cursors) for `make run` and `make dev`."""
    return _path("DAGSTER_HOME", data_dir() / "dagster_home")


def dagster_port() -> int:
    """Port of the Dagster UI that `make dev` serves on 127.0.0.1."""
    return int(os.environ.get("CS_DAGSTER_PORT", "3000"))


def schedule_cron() -> str:
    """Cron (UTC) of the daily refresh; default 05:00 UTC, after nightly syncs have landed."""
    return os.environ.get("CS_SCHEDULE_CRON", "0 5 * * *")



def outbox_dir() -> Path:
    """Folder of the actions outbox: one JSON-lines file per run that opened actions."""
    return _path("CS_OUTBOX_DIR", data_dir() / "outbox")


def actions_webhook_url() -> str | None:
    """Where new actions are POSTed (None: the outbox only). May carry a token: never log it whole."""
    return os.environ.get("CS_ACTIONS_WEBHOOK_URL") or None


def actions_webhook_batch() -> int:
    """Actions per POST."""
    return int(os.environ.get("CS_ACTIONS_WEBHOOK_BATCH", "100"))


def actions_webhook_timeout_seconds() -> float:
    """How long one POST may take (connect and response) before it counts as failed."""
    return float(os.environ.get("CS_ACTIONS_WEBHOOK_TIMEOUT_SECONDS", "10"))


def actions_webhook_retries() -> int:
    """Further attempts of a failed POST within one run (the next run tries again in any case)."""
    return int(os.environ.get("CS_ACTIONS_WEBHOOK_RETRIES", "3"))


def actions_webhook_backoff_seconds() -> float:
    """Wait before the first retry of a POST; it doubles before each further retry."""
    return float(os.environ.get("CS_ACTIONS_WEBHOOK_BACKOFF_SECONDS", "1"))
