"""The contract suite's fixture: `backend`, one run per store implementation; and a real
PostgreSQL server for the PostgreSQL store's tests (`postgres_server`, `pg_database`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from .backends import BACKENDS, POSTGRES, Backend, postgres_backend
from .postgres_server import ENV_URL, PostgresCluster, create_database, unavailable


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server's maintenance database: `ASTER_EXEC_TEST_POSTGRES_URL`
    if set, else a throwaway cluster started for the session. Skips saying why when
    neither can be had."""
    given = os.environ.get(ENV_URL)
    if given:
        yield given
        return
    why = unavailable()
    if why is not None:
        pytest.skip(f"PostgreSQL store tests skipped: {why}")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("PostgreSQL store tests skipped: psycopg is not installed (the "
                    "'postgres' extra)")
    cluster = PostgresCluster()
    try:
        cluster.start()
    except Exception as exc:
        cluster.destroy()
        pytest.skip(f"PostgreSQL store tests skipped: the throwaway server did not start: {exc}")
    try:
        yield cluster.url()
    finally:
        cluster.destroy()


@pytest.fixture
def pg_database(postgres_server: str) -> str:
    """A fresh, empty database on the test server (its URL, no store prefix)."""
    return create_database(postgres_server, f"t_{uuid.uuid4().hex[:16]}")


@pytest.fixture(params=[*BACKENDS, POSTGRES],
                ids=[*(backend.name for backend in BACKENDS), POSTGRES])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == POSTGRES:
        return postgres_backend(request.getfixturevalue("pg_database"))
    chosen: Backend = request.param
    return chosen
