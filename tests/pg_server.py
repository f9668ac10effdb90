"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, a random free port on
127.0.0.1, an unprivileged OS user, stopped and removed afterwards.

The server binaries come from Debian's `postgresql` package; `python tests/pg_server.py --install`
(run by `make test` before pytest) installs it when missing, as root or through `sudo -n`. Set
`CS_PG_BINDIR` to use other binaries. PostgreSQL refuses to run as root, so under root the cluster
runs as the `postgres` user the package creates (else `nobody`).

The cluster is tuned for tests, not for durability (no fsync): it is deleted after the session.
Only the standard library is imported at module level, so the install step runs before any venv.
"""

from __future__ import annotations

import argparse
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "cs_admin"
DEBIAN_BINDIRS = "/usr/lib/postgresql/*/bin"
# A test cluster: durability off (the folder is deleted anyway), enough memory for small builds.
SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "128MB",
    "work_mem": "32MB",
    "max_connections": "50",
    "timezone": "UTC",
}


def find_bindir() -> Path | None:
    """The folder with initdb and pg_ctl: CS_PG_BINDIR, Debian's newest version, or the PATH."""
    if os.environ.get("CS_PG_BINDIR"):
        return Path(os.environ["CS_PG_BINDIR"])
    versions = sorted(glob.glob(f"{DEBIAN_BINDIRS}/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if versions:
        return Path(versions[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def install() -> Path:
    """Install Debian's PostgreSQL server when no binaries are found; return the binaries' folder."""
    found = find_bindir()
    if found is not None:
        return found
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise RuntimeError("PostgreSQL is not installed and this user cannot install it: "
                               "apt-get install postgresql, or set CS_PG_BINDIR")
        prefix = ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("==> installing PostgreSQL from Debian's packages", flush=True)
    subprocess.run([*prefix, "apt-get", "update", "-qq"], check=True, env=env)
    # --no-install-recommends: the server and its client, without the extra tools
    subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"],
                   check=True, env=env)
    found = find_bindir()
    if found is None:
        raise RuntimeError("apt-get installed postgresql but no initdb was found under " + DEBIAN_BINDIRS)
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_user() -> pwd.struct_passwd | None:
    """The OS user to run the server as: None for the current user unless that is root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a `postgres` nor a `nobody` user exists")


@dataclass
class PostgresServer:
    """A running throwaway cluster; connect as `SUPERUSER` with `password` on 127.0.0.1:`port`."""

    bindir: Path
    root: Path
    port: int
    password: str
    user: pwd.struct_passwd | None

    host = "127.0.0.1"
    superuser = SUPERUSER

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        kwargs = {}
        if self.user is not None:
            kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "TZ": "UTC"}
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]], check=True, capture_output=True, text=True,
            env=env, cwd=self.root, **kwargs,
        )

    def start(self) -> None:
        """initdb and start on a free port (a port taken meanwhile is retried on another one)."""
        password_file = self.root / "password"
        password_file.write_text(self.password + "\n")
        self._run("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--pwfile", str(password_file),
                  "--auth-local", "trust", "--auth-host", "scram-sha-256", "-E", "UTF8",
                  "--locale", "C.UTF-8")
        password_file.unlink()
        options = " ".join(f"-c {k}={v}" for k, v in SERVER_SETTINGS.items())
        for attempt in range(3):
            try:
                self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60",
                          "-o", f"-p {self.port} -c listen_addresses={self.host} "
                                f"-c unix_socket_directories={self.root} {options}", "start")
                return
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise RuntimeError("PostgreSQL did not start:\n" + self.log_file.read_text()) from None
                self.port = free_port()

    def stop(self) -> None:
        """Stop the server (fast: open sessions are disconnected) and delete the cluster."""
        try:
            if (self.data_dir / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def connect(self, dbname: str = "postgres", user: str | None = None, password: str | None = None):
        """A psycopg2 connection (autocommit) to `dbname`, as the superuser unless told otherwise."""
        import psycopg2

        con = psycopg2.connect(host=self.host, port=self.port, dbname=dbname, user=user or SUPERUSER,
                               password=self.password if password is None else password,
                               options="-c TimeZone=UTC", connect_timeout=10)
        con.autocommit = True
        return con

    def create_database(self, name: str) -> None:
        con = self.connect()
        try:
            with con.cursor() as cur:
                cur.execute(f'create database "{name}"')
        finally:
            con.close()

    def env(self, database: str) -> dict[str, str]:
        """The CS_PG_* environment that points the project (profiles.yml, settings.py) at `database`."""
        return {
            "CS_PG_HOST": self.host,
            "CS_PG_PORT": str(self.port),
            "CS_PG_USER": SUPERUSER,
            "CS_PG_PASSWORD": self.password,
            "CS_PG_DATABASE": database,
        }


def start_server() -> PostgresServer:
    """Start a new throwaway cluster (installing PostgreSQL first when it is missing)."""
    bindir = install()
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="cs_pg_"))
    if user is not None:
        os.chown(root, user.pw_uid, user.pw_gid)
    server = PostgresServer(bindir=bindir, root=root, port=free_port(),
                            password=os.urandom(12).hex(), user=user)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server


def server_fixture() -> Iterator[PostgresServer]:
    """Body of a pytest fixture: a cluster for the fixture's scope."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--install", action="store_true", help="install PostgreSQL when missing, then exit")
    parser.add_argument("--serve", type=float, metavar="SECONDS",
                        help="start a cluster, print its CS_PG_* settings, serve this long, stop")
    args = parser.parse_args(argv)
    if args.install:
        print(f"PostgreSQL binaries: {install()}")
    if args.serve:
        server = start_server()
        try:
            server.create_database("cs_segmentation")
            for key, value in server.env("cs_segmentation").items():
                print(f"export {key}={value}", flush=True)
            time.sleep(args.serve)
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
