"""One refresh at a time: an exclusive lock on `refresh.lock` under the data folder, held for the whole run.

Two refreshes on the same data would reload the raw tables under each other's dbt build, and DuckDB
lets one process write the warehouse at a time. So `cli run` takes this lock before it touches the
landing folder or the warehouse, and runs that Dagster launches (schedule, sensor, UI) take it when
their resources start, before the first step. The lock is `flock(2)` on an open file: the operating
system releases it when the process ends, even killed, so a crashed run never leaves a stale lock.

The file says who holds it (pid, start time, run id, what started it), so a run that finds it
taken can name the run it waits for. The lock is re-entrant within a process: the job that `cli
run` executes in its own process finds the lock already held by it. This module imports only
`settings`.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from orchestration import settings

LOCK_NAME = "refresh.lock"
POLL_SECONDS = 0.5
HOLDER_WRITE_SECONDS = 2  # how long a holder may take between locking the file and saying who it is


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as its holder wrote it (fields are None when not written yet)."""

    pid: int | None = None
    started_at: str | None = None  # UTC, ISO 8601 to the second
    run_id: str | None = None
    started_by: str | None = None  # e.g. "cli run", "Dagster run"

    def describe(self) -> str:
        parts = [f"run {self.run_id[:8]}" if self.run_id else None,
                 f"pid {self.pid}" if self.pid else None,
                 f"started {self.started_at.replace('T', ' ')} UTC" if self.started_at else None,
                 f"by {self.started_by}" if self.started_by else None]
        known = ", ".join(p for p in parts if p)
        return f"another refresh ({known})" if known else "another refresh"


class LockHeld(RuntimeError):
    """Another process holds the refresh lock (and the caller would not wait, or not that long)."""

    def __init__(self, holder: Holder, path: Path) -> None:
        super().__init__(f"{holder.describe()} holds {path}")
        self.holder = holder
        self.path = path


def lock_path() -> Path:
    return settings.data_dir() / LOCK_NAME


def read_holder(path: Path | None = None) -> Holder:
    """What the lock file says about its holder (an empty Holder when it says nothing readable)."""
    try:
        fields = json.loads((path or lock_path()).read_text(encoding="utf-8") or "{}")
        return Holder(**{key: fields.get(key) for key in Holder.__dataclass_fields__})
    except (OSError, ValueError, TypeError):
        return Holder()


# lock path -> [file descriptor, depth]: the locks this process holds (re-entrant)
_held: dict[Path, list[int]] = {}
_guard = threading.Lock()


def _holder_soon(path: Path) -> Holder:
    """Who holds the lock, waiting a moment for a holder that has just taken it to write its name."""
    deadline = time.monotonic() + HOLDER_WRITE_SECONDS
    holder = read_holder(path)
    while holder.pid is None and time.monotonic() < deadline:
        time.sleep(0.05)
        holder = read_holder(path)
    return holder


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _acquire(path: Path, wait_seconds: float, on_wait: Callable[[Holder], None] | None) -> int:
    """An open descriptor of `path` holding the lock; LockHeld when not got within `wait_seconds`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if _try_lock(fd):
            return fd
        holder = _holder_soon(path)
        if wait_seconds <= 0:
            raise LockHeld(holder, path)
        if on_wait is not None:
            on_wait(holder)
        if math.isinf(wait_seconds):
            fcntl.flock(fd, fcntl.LOCK_EX)
            return fd
        deadline = time.monotonic() + wait_seconds
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise LockHeld(_holder_soon(path), path)
            time.sleep(POLL_SECONDS)
        return fd
    except BaseException:
        os.close(fd)
        raise


def _write_holder(fd: int, holder: Holder) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(asdict(holder)).encode(), 0)


@contextmanager
def hold(
    run_id: str | None,
    started_by: str,
    *,
    wait_seconds: float = 0,
    on_wait: Callable[[Holder], None] | None = None,
) -> Iterator[Path]:
    """Hold the refresh lock for the block: at once, or after waiting up to `wait_seconds` (math.inf:
    as long as it takes; `on_wait` hears who holds it first). Raises LockHeld when not got."""
    path = lock_path().resolve()
    with _guard:
        mine = _held.get(path)
        if mine is not None:  # this process holds it already (the job `cli run` executes)
            mine[1] += 1
    if mine is None:
        fd = _acquire(path, wait_seconds, on_wait)
        started = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None).isoformat()
        _write_holder(fd, Holder(os.getpid(), started, run_id, started_by))
        with _guard:
            mine = _held[path] = [fd, 1]
    try:
        yield path
    finally:
        with _guard:
            mine[1] -= 1
            last = mine[1] == 0
            if last:
                del _held[path]
        if last:
            os.ftruncate(mine[0], 0)  # the next reader of the file finds no holder
            os.close(mine[0])  # closing the descriptor releases the lock
