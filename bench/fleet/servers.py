"""Throwaway servers for a fleet run: a PostgreSQL cluster and a redis-server.

`PostgresServer` runs `initdb` into a temporary directory and the server on a free port of
127.0.0.1 (trust authentication, fsync off: the soak tests the store's logic, not the
disk); as root the server's tools refuse to run, so they run as the `postgres` user
(`runuser`), which owns the directory. `RedisServer` runs `redis-server --save ''
--appendonly no`. `unavailable_reason()` says why they cannot be had here (for a skip or a
fallback). Both are stopped by their own handles (the cluster's pg_ctl, the child's pid).
"""

from __future__ import annotations

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

_PG_TOOLS = ("initdb", "pg_ctl", "postgres")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_binaries() -> Path | None:
    """The directory of initdb, pg_ctl and postgres (the newest version), or None."""
    on_path = shutil.which("pg_ctl")
    candidates = [str(Path(on_path).parent)] if on_path else []
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(versions, key=lambda p: p.split("/")[-2].zfill(4), reverse=True)
    for directory in candidates:
        if all((Path(directory) / tool).exists() for tool in _PG_TOOLS):
            return Path(directory)
    return None


def redis_binary() -> str | None:
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)


def unavailable_reason() -> str | None:
    """Why a throwaway PostgreSQL and Redis cannot be started here (None: they can)."""
    try:
        import psycopg  # noqa: F401
        import redis  # noqa: F401
    except ImportError as exc:
        return f"the extras are missing ({exc.name}): pip install 'aster-execution[postgres,redis]'"
    if postgres_binaries() is None:
        return ("no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or in "
                "/usr/lib/postgresql/*/bin (apt-get install postgresql)")
    if redis_binary() is None:
        return "redis-server is not installed (apt-get install redis-server)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing (PostgreSQL refuses root)"
    return None


class PostgresServer:
    """One cluster in its own temporary directory; `url` once started."""

    def __init__(self) -> None:
        binaries = postgres_binaries()
        if binaries is None:
            raise RuntimeError(unavailable_reason())
        self.bin = binaries
        self.root = Path(tempfile.mkdtemp(prefix="fleet-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _tool(self, *args: str) -> None:
        run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*run_as, *args], capture_output=True, text=True, timeout=180,
                              check=False, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        self._tool(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                   "-U", "postgres", "--no-sync", "-E", "UTF8")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=200")
        self._tool(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                   str(self.root / "server.log"), "-o", options, "-w", "-t", "180", "start")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._tool(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                       "-t", "60", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


class RedisServer:
    """A redis-server child process on a free port of 127.0.0.1; `url` once started."""

    def __init__(self) -> None:
        binary = redis_binary()
        if binary is None:
            raise RuntimeError(unavailable_reason())
        self.binary = binary
        self.folder = Path(tempfile.mkdtemp(prefix="fleet-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30.0) -> None:
        """Start (again, after `stop`: on the same port) and wait for its PING."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            with contextlib.suppress(OSError), socket.create_connection(
                ("127.0.0.1", self.port), timeout=1
            ) as connection:
                connection.sendall(b"PING\r\n")
                if connection.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not answer PING")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()  # our own child, by its handle
            process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)
