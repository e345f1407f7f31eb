"""A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` into a temporary
directory, the server on a free port of 127.0.0.1, trust authentication. Not for
production (no password, fsync off by default): see docs/postgresql.md for that.

As root the server's tools refuse to run, so they run as the `postgres` user (`runuser`),
which owns the directory. `find_binaries()` looks on PATH and in Debian's
/usr/lib/postgresql/*/bin. `unavailable()` says why no cluster can be had, for a skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ENV_URL = "ASTER_EXEC_TEST_POSTGRES_URL"  # a server to use instead of a throwaway one
_TOOLS = ("initdb", "pg_ctl", "postgres")


def find_binaries() -> Path | None:
    """The directory of initdb, pg_ctl and postgres (the newest version), or None."""
    on_path = shutil.which("pg_ctl")
    candidates = [str(Path(on_path).parent)] if on_path else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit()
                         else 0, reverse=True)
    for directory in candidates:
        if all((Path(directory) / tool).exists() for tool in _TOOLS):
            return Path(directory)
    return None


def _run_as() -> list[str]:
    """The command prefix that runs the server's tools as a user they accept."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


def unavailable() -> str | None:
    """Why no throwaway cluster can be started here (None: it can)."""
    if find_binaries() is None:
        return ("no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or in "
                "/usr/lib/postgresql/*/bin: install the postgresql package, or set "
                f"{ENV_URL} to a server's URL")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing (the server refuses root)"
    return None


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresCluster:
    """One cluster in its own temporary directory. `start()` initialises it the first
    time; `stop(mode)` ("fast", or "immediate" for a crash); `url(database)`."""

    def __init__(self, *, fsync: bool = False) -> None:
        binaries = find_binaries()
        if binaries is None:
            raise RuntimeError(unavailable())
        self.bin = binaries
        # As root the server runs as `postgres`, which must reach the directory: under
        # /tmp, whatever TMPDIR says (it may be a private directory of root's).
        self.root = Path(tempfile.mkdtemp(prefix="aster-pg-",
                                          dir="/tmp" if os.geteuid() == 0 else None))
        self.data = self.root / "data"
        self.port = free_port()
        self.fsync = fsync
        self._initialised = False
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _tool(self, *args: str, timeout: float = 120.0) -> None:
        command = [*_run_as(), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=False, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        """Start the server (initialising the cluster the first time); waits until up."""
        if not self._initialised:
            self._tool(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                       "-U", "postgres", "--no-sync", "-E", "UTF8")
            self._initialised = True
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   f"-c fsync={'on' if self.fsync else 'off'} -c max_connections=200")
        self._tool(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                   str(self.root / "server.log"), "-o", options, "-w", "-t", "120", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: "fast", or "immediate" (as a crash would)."""
        self._tool(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                   "-t", "120", "stop")

    def url(self, database: str = "postgres") -> str:
        """The URL of one of its databases (trust authentication: no password)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database (its URL)."""
        return create_database(self.url(), name)

    def destroy(self) -> None:
        """Stop the server and remove the cluster's directory."""
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """Create the database `name` on the server of `server_url` (dropped first if it
    exists); its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"'.encode())
        connection.execute(f'CREATE DATABASE "{name}"'.encode())
    head, _, rest = server_url.rpartition("/")
    query = rest.partition("?")[2]
    return f"{head}/{name}" + (f"?{query}" if query else "")


async def wait_until_up(url: str, seconds: float = 60.0) -> None:
    """Poll until the server answers (each try off the event loop)."""
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            connection = await psycopg.AsyncConnection.connect(url, connect_timeout=2)
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)
            continue
        await connection.close()
        return
