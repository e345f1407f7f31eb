"""The contract suite's fixture: `backend`, one run per store implementation (the real
PostgreSQL server's fixtures, `postgres_server` and `pg_database`, are every test's:
`tests/postgres_server.py`)."""

from __future__ import annotations

import pytest

from .backends import BACKENDS, POSTGRES, Backend, postgres_backend


@pytest.fixture(params=[*BACKENDS, POSTGRES],
                ids=[*(backend.name for backend in BACKENDS), POSTGRES])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == POSTGRES:
        return postgres_backend(request.getfixturevalue("pg_database"))
    chosen: Backend = request.param
    return chosen
