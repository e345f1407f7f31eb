"""The contract suite's fixture: `backend`, one run per store implementation; and a real
PostgreSQL server for the PostgreSQL store's tests (`postgres_server`, `pg_database`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from execution.store_postgres_cluster import ENV_URL, PostgresCluster, create_database, unavailable

from .backends import BACKENDS, POSTGRES, Backend, postgres_backend


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server's maintenance database: `ASTER_EXEC_TEST_POSTGRES_URL`
    if set, else a throwaway cluster started for the session. Skips saying why when
    neither can be had."""
    try:
        import psycopg
    except ImportError:
        pytest.skip("PostgreSQL store tests skipped: psycopg is not installed (the "
                    "'postgres' extra)")
    given = os.environ.get(ENV_URL)
    reasons = []
    if given:
        try:
            psycopg.connect(given, connect_timeout=10).close()
        except psycopg.Error as exc:
            reasons.append(f"{ENV_URL} does not answer ({exc})")
        else:
            yield given
            return
    why = unavailable()
    if why is not None:
        pytest.skip("PostgreSQL store tests skipped: " + "; ".join([*reasons, why]))
    cluster = PostgresCluster()
    try:
        cluster.start()
    except Exception as exc:
        cluster.destroy()
        reasons.append(f"the throwaway server did not start: {exc}")
        pytest.skip("PostgreSQL store tests skipped: " + "; ".join(reasons))
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
