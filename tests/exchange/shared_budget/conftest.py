"""A real redis-server for the shared rate budget's tests.

`redis_url`: one server for the session (`redis-server --port <free> --save ''
--appendonly no` in a temporary folder), or `ASTER_EXEC_TEST_REDIS_URL` when set;
`redis_server`: a server of the test's own, to stop and start again. Without the binary
(and without the variable) the tests are skipped, saying why.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ENV_URL = "ASTER_EXEC_TEST_REDIS_URL"
SKIP_REASON = (
    "redis-server is not installed (apt-get install redis-server) and "
    f"{ENV_URL} is not set: the shared rate budget's tests need a real Redis"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A redis-server child process on a fixed port, in its own folder."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30.0) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not answer PING")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()  # our own child, by its handle
            process.wait(timeout=30)


def _binary() -> str:
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
    if binary is None:
        pytest.skip(SKIP_REASON)
    return binary


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis for the session (its URL, without a budget name)."""
    given = os.environ.get(ENV_URL, "").strip()
    if given:
        yield given
        return
    server = RedisServer(_binary(), tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own (started), to stop and start again."""
    server = RedisServer(_binary(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def budget_name() -> str:
    """A budget name no other test uses."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def dead_redis_url() -> str:
    """A Redis URL (with a password) where nothing listens."""
    return f"redis://:s3cret-word@127.0.0.1:{free_port()}/0"
