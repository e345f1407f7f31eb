"""The contract suite's fixture: `backend`, one run per store implementation."""

from __future__ import annotations

import pytest

from .backends import BACKENDS, Backend


@pytest.fixture(params=BACKENDS, ids=[backend.name for backend in BACKENDS])
def backend(request: pytest.FixtureRequest) -> Backend:
    chosen: Backend = request.param
    return chosen
