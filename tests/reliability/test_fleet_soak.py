"""The fleet soak, small: four driver processes on two source addresses (two hosts to
the simulator), one account, one PostgreSQL store and one Redis rate budget, 120
placements and four SIGKILLs (every driver killed once); then the fleet's checks.

The long run is `python -m bench.fleet --drivers 4 --orders 1000 --kills 12`. The run
happens once (module fixture) and needs a PostgreSQL server and redis-server on the
machine (started here, thrown away after): without them the run is skipped, saying why.
The checks the run relies on (the 429/418 watch, the owner of a client id) are tried on
cases made for them first; those need no servers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from bench.fleet.config import HOSTS, FleetConfig
from bench.fleet.limits import LimitWatch
from bench.fleet.members import Identity, Member
from bench.fleet.report import FleetReport, render
from bench.fleet.servers import unavailable_reason
from bench.fleet.supervisor import run_fleet
from bench.fleet.verify import owner_of, slot_clashes

from execution.simulator import RateLimitConfig, SimulatedExchange

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _ping(sim: SimulatedExchange, times: int, address: str = "127.0.0.1") -> list[int]:
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        statuses = []
        for _ in range(times):
            async with session.get(f"{sim.rest_url}/fapi/v1/ping") as response:
                statuses.append(response.status)
        return statuses


async def test_the_watch_tells_a_clients_429_and_418_from_injected_ones() -> None:
    """Over the weight limit: a 429, then (sent again at once) a 418: both the clients'
    doing. An injected 429 and a 418 during an injected ban are counted as injected."""
    limits = RateLimitConfig(weight_per_minute=3, ban_seconds=60)
    async with SimulatedExchange(seed=1, rate_limits=limits) as sim:
        watch = LimitWatch()
        watch.install(sim)
        assert await _ping(sim, 5) == [200, 200, 200, 429, 418]
        assert watch.genuine == {"429 weight": 1, "418": 1}
        assert watch.injected == {}
        sim.lift_bans()
        sim.limiter.reset()
        sim.faults.fail_requests(1, status=429, code=-1003, execute=False)
        assert await _ping(sim, 1, "127.0.0.2") == [429]
        assert sim.ban_clients(60) == 1  # only 127.0.0.2 is known since the reset
        assert await _ping(sim, 1, "127.0.0.2") == [418]
        assert watch.injected == {"429": 1, "418": 1}
        assert watch.genuine_total == 2  # the two before: nothing new is the clients'
        assert set(watch.addresses) == {"127.0.0.1", "127.0.0.2"}


async def test_a_client_id_belongs_to_the_driver_whose_prefix_it_carries() -> None:
    prefixes = {"fl0": 0, "fl1": 1, "om1a2b3c": 2}
    assert owner_of("fl0-" + "a" * 32, prefixes) == 0
    assert owner_of("om1a2b3c-" + "b" * 27, prefixes) == 2
    assert owner_of("fl10-" + "c" * 31, prefixes) is None  # a prefix is a whole head
    assert owner_of("fl0", prefixes) is None
    assert owner_of("autoclose-123", prefixes) is None


async def test_two_v3_lives_up_at_once_on_one_nonce_slot_are_a_clash() -> None:
    def member(index: int, *lives: tuple[str, int, float, float]) -> Member:
        ident = Identity(index, "127.0.0.1", f"fl{index}", "x.sqlite", None, "auto")
        m = Member(ident, sim=None, work=Path("."), seed=0, concurrency=1,  # type: ignore[arg-type]
                   auth_schemes=("v3",))
        m.readies = [{"life": n, "auth": auth, "nonce_slot": slot, "at": at, "until": until}
                     for n, (auth, slot, at, until) in enumerate(lives, 1)]
        return m

    apart = [member(0, ("v3", 1, 0.0, 10.0)), member(1, ("v3", 1, 10.0, 20.0))]
    assert slot_clashes(apart) == []  # one after the other: the lease moved on
    v1 = [member(0, ("v3", 1, 0.0, 10.0)), member(1, ("v1", 1, 5.0, 20.0))]
    assert slot_clashes(v1) == []  # a v1 life signs no nonces
    both = [member(0, ("v3", 1, 0.0, 10.0)), member(1, ("v3", 2, 1.0, 9.0), ("v3", 1, 9.5, 30))]
    assert slot_clashes(both) == ["fl0/1 and fl1/2 on nonce slot 1 at once"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def report(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FleetReport]:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"the fleet soak needs PostgreSQL and Redis: {reason}")
    work: Path = tmp_path_factory.mktemp("fleet")
    config = FleetConfig(drivers=4, orders=120, kills=4, seed=5, work_dir=str(work))
    result = await run_fleet(config)
    print(render(result))
    yield result


async def test_four_drivers_on_two_hosts_drove_their_orders_through_kills(
    report: FleetReport,
) -> None:
    assert report.finished and not report.verification.unfinished, render(report)
    assert report.placements >= 120 and report.kills >= 4, render(report)
    assert all(m.kills >= 1 for m in report.members), render(report)
    assert report.hosts_seen == sorted(HOSTS), render(report)
    assert {m.identity.address for m in report.members} == set(HOSTS)


async def test_they_shared_one_postgresql_store_and_one_redis_budget(
    report: FleetReport,
) -> None:
    assert report.store.startswith("postgresql://"), render(report)
    assert report.budget.startswith("Redis"), render(report)
    for member in report.members:
        assert member.readies, render(report)
        for ready in member.readies:
            assert "ip=fleet-ip-" in ready["budget"], ready
            assert ready["prefix"] == member.identity.prefix, ready


async def test_nothing_duplicated_lost_or_disagreeing(report: FleetReport) -> None:
    v = report.verification
    assert not v.duplicates and not v.lost and not v.mismatches, render(report)
    assert not v.position_mismatches, render(report)
    assert not report.unexpected, render(report)


async def test_no_order_adopted_across_managers_and_every_order_has_its_driver(
    report: FleetReport,
) -> None:
    v = report.verification
    assert v.adopted_across == [] and v.unowned == [], render(report)
    assert sum(v.per_driver_orders.values()) > 0
    # the only changes of hands are restarts reclaiming their own prefix's lease
    assert all(t.split(":")[0] == t.split("by ")[1].split(" ")[0] for t in report.takeovers)


async def test_no_429_or_418_but_the_injected_ones(report: FleetReport) -> None:
    assert report.limits.genuine_total == 0, render(report)
    assert report.limits.injected.get("429", 0) >= 1, render(report)


async def test_the_run_passed(report: FleetReport) -> None:
    assert report.passed, render(report)


async def test_no_two_v3_lives_were_up_on_one_nonce_slot_at_once(report: FleetReport) -> None:
    assert report.verification.slot_clashes == [], render(report)
    v3 = [r for m in report.members for r in m.readies if r["auth"] == "v3"]
    assert v3 and all(r["nonce_slot"] is not None for r in v3), render(report)
