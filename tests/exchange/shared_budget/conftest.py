"""A real redis-server for the shared rate budget's tests.

`redis_url`: one server for the session (`redis-server --port <free> --save ''
--appendonly no` in a temporary folder), or `ASTER_EXEC_TEST_REDIS_URL` when set;
`redis_server`: a server of the test's own, to stop and start again. Without the binary
(and without the variable) the tests are skipped, saying why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from bench.fleet.servers import RedisServer, free_port, redis_binary

ENV_URL = "ASTER_EXEC_TEST_REDIS_URL"
SKIP_REASON = (
    "redis-server is not installed (apt-get install redis-server) and "
    f"{ENV_URL} is not set: the shared rate budget's tests need a real Redis"
)


def _server() -> RedisServer:
    """A redis-server on a free port of its own (the fleet soak's), not started yet."""
    if redis_binary() is None:
        pytest.skip(SKIP_REASON)
    return RedisServer()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis for the session (its URL, without a budget name)."""
    given = os.environ.get(ENV_URL, "").strip()
    if given:
        yield given
        return
    server = _server()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A Redis of this test's own (started), to stop and start again."""
    server = _server()
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
