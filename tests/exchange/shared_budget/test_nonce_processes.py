"""Two OS processes signing for one v3 user (the same signer) against one simulator:
on their own nonce slots (given, or leased through the shared budget) they never collide,
and the simulator sees every nonce once. Given the same slot by mistake they collide and
the venue refuses the second copy (-4225), which a lease turns into a refusal at connect."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from execution.errors import ConfigurationError, ValidationError
from execution.exchange.clock import NONCE_SLOTS
from execution.exchange.rate_budget_redis import RedisRateBudget
from execution.simulator import SimulatedExchange

WORKER = Path(__file__).with_name("nonce_worker.py")
SRC = Path(__file__).resolve().parents[3] / "src"
ORDERS = 40  # per process, each placed then cancelled: 80 signed requests


async def run_processes(
    sim: SimulatedExchange, slots: list[int | str], budget: str | None = None
) -> list[dict[str, Any]]:
    account = sim.account
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), *sys.path])}
    env.pop("ASTER_RATE_BUDGET", None)
    processes = []
    try:
        for slot in slots:
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(WORKER), stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, env=env,
            )
            processes.append(process)
            assert process.stdin is not None and process.stdout is not None
            settings = {
                "rest_url": sim.rest_urls[0], "ws_url": sim.ws_url, "user": account.user,
                "signer": account.signer, "private_key": account.signer_private_key,
                "slot": slot, "budget": budget, "orders": ORDERS, "concurrency": 6,
                "price": "40000",
            }
            process.stdin.write((json.dumps(settings) + "\n").encode())
            await process.stdin.drain()
            ready = json.loads(await asyncio.wait_for(process.stdout.readline(), 120))
            assert ready["ready"]
        for process in processes:  # both start trading together
            assert process.stdin is not None
            process.stdin.write(b"go\n")
            process.stdin.close()
        results = []
        for process in processes:
            assert process.stdout is not None
            results.append(json.loads(await asyncio.wait_for(process.stdout.readline(), 300)))
            assert await asyncio.wait_for(process.wait(), 60) == 0
        return results
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()  # our own child, by its handle
                await process.wait()


def signed_nonces(sim: SimulatedExchange) -> list[int]:
    return [int(r.params["nonce"]) for r in sim.request_log if "nonce" in r.params]


def assert_never_collided(sim: SimulatedExchange, results: list[dict[str, Any]]) -> None:
    for result in results:
        assert result["errors"] == {}
        assert result["placed"] == result["cancelled"] == ORDERS
        assert result["syncs"] == 1  # a refused nonce (-4225) would have re-synced it
    nonces = signed_nonces(sim)
    assert len(nonces) == 2 * 2 * ORDERS
    assert [n for n, seen in Counter(nonces).items() if seen > 1] == []  # each seen once
    assert not [r for r in sim.request_log if "nonce" in r.params and r.status != 200]
    assert {n % NONCE_SLOTS for n in nonces} == {r["slot"] for r in results}


async def test_two_processes_on_their_own_slots_never_collide(
    simulator: SimulatedExchange,
) -> None:
    simulator.set_price("BTCUSDT", D("50000"))
    results = await run_processes(simulator, [1, 2])
    assert [r["slot"] for r in results] == [1, 2]
    assert_never_collided(simulator, results)


async def test_two_processes_on_leased_slots_never_collide(
    simulator: SimulatedExchange, redis_url: str, budget_name: str
) -> None:
    simulator.set_price("BTCUSDT", D("50000"))
    results = await run_processes(simulator, ["auto", "auto"], f"{redis_url}#{budget_name}")
    assert len({r["slot"] for r in results}) == 2
    assert_never_collided(simulator, results)


async def test_the_same_slot_given_twice_collides_and_the_second_copy_is_refused(
    simulator: SimulatedExchange, make_client: Any
) -> None:
    """Without a lease nothing stops it: the venue refuses a nonce already used (the v3
    doc's "V3 Nonce Mechanism") with -4225, and the client re-syncs and signs anew (a
    refused request was not carried out), one round trip later."""
    first = make_client(simulator, "eip712", nonce_slot=7)
    second = make_client(simulator, "eip712", nonce_slot=7)
    async with first, second:
        for client in (first, second):  # both read the same instant, as two processes can
            client.clock.monotonic_ns = lambda: 10**12
            client.clock._anchor_mono_ns = 10**12
            client.clock._anchor_server_us = first.clock._anchor_server_us
        await first.fetch_balance()
        await second.fetch_balance()  # refused once, then re-signed and answered
        nonces = signed_nonces(simulator)
        assert len(nonces) == 3 and nonces[0] == nonces[1] != nonces[2]
        assert [r.status for r in simulator.request_log if "nonce" in r.params] == [200, 400, 200]
        assert second.clock.syncs == 2


async def test_a_leased_slot_is_refused_to_a_second_process_and_auto_takes_a_free_one(
    simulator: SimulatedExchange, make_client: Any, redis_url: str, budget_name: str
) -> None:
    url = f"{redis_url}#{budget_name}"
    holder = make_client(simulator, "eip712", nonce_slot=0, rate_budget=url)
    async with holder:
        with pytest.raises(ConfigurationError) as refused:
            async with make_client(simulator, "eip712", nonce_slot=0, rate_budget=url):
                pass
        assert "nonce slot 0" in str(refused.value) and "held by another" in str(refused.value)
        async with make_client(simulator, "eip712", nonce_slot="auto", rate_budget=url) as auto:
            assert auto.clock.nonce_slot == 1
            await auto.fetch_balance()
    async with make_client(simulator, "eip712", nonce_slot="auto", rate_budget=url) as again:
        assert again.clock.nonce_slot == 0  # given back on close


async def test_a_lease_taken_over_moves_an_auto_process_to_a_free_slot(
    simulator: SimulatedExchange, make_client: Any, redis_url: str, budget_name: str
) -> None:
    url = f"{redis_url}#{budget_name}"
    client = make_client(simulator, "eip712", nonce_slot="auto", rate_budget=url)
    budget = client.rate_limiter
    assert isinstance(budget, RedisRateBudget)
    budget.lease_ttl = 0.6  # renewed every 0.2 s
    async with client:
        lease = budget.lease
        first = client.clock.nonce_slot
        assert lease is not None and first is not None
        await budget._client.set(lease.key(first), "another-host:1:ffff")  # type: ignore[union-attr]
        deadline = asyncio.get_running_loop().time() + 30
        while client.clock.nonce_slot == first:
            assert asyncio.get_running_loop().time() < deadline, "never moved"
            await asyncio.sleep(0.05)
        await client.fetch_balance()
        assert signed_nonces(simulator)[-1] % NONCE_SLOTS == client.clock.nonce_slot


def test_auto_without_a_shared_budget_is_refused(
    simulator: SimulatedExchange, make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASTER_RATE_BUDGET", raising=False)
    with pytest.raises(ConfigurationError, match="shared rate budget"):
        make_client(simulator, "eip712", nonce_slot="auto")


@pytest.mark.parametrize("slot", ["any", "3", -1, 100, True])
def test_a_slot_that_is_neither_a_number_nor_auto_is_refused(
    simulator: SimulatedExchange, make_client: Any, slot: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        make_client(simulator, "eip712", nonce_slot=slot)
    assert refused.value.field == "nonce_slot"
