"""The fault soak, small: 150 placements, every fault kind, two SIGKILLs of the driver,
lives under both auth schemes; then the soak's own checks, each on a case made for it.

The long run is `python -m bench.soak --orders 5000 --restarts 20`; this one runs in the
normal test command. The run happens once (module fixture); each test reads its report.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio
from bench.soak.config import FaultKind, SoakConfig
from bench.soak.report import SoakReport, render
from bench.soak.stops import protection
from bench.soak.supervisor import run_soak
from bench.soak.tags import RequestTagger
from bench.soak.verify import verify

from execution.auth import hmac_sha256_hex
from execution.simulator import SimulatedExchange


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def report(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SoakReport]:
    work: Path = tmp_path_factory.mktemp("soak")
    config = SoakConfig(orders=150, restarts=2, seed=3, fault_interval=0.15,
                        startup_kill_share=0.5, work_dir=str(work))
    result = await run_soak(config)
    print(render(result))
    yield result


pytestmark = pytest.mark.asyncio(loop_scope="module")


def _check(report: SoakReport, broken: bool) -> None:
    assert not broken, render(report)


async def test_the_run_drove_its_orders_through_crashes_and_every_fault(
    report: SoakReport,
) -> None:
    assert report.finished, render(report)
    assert report.placements >= 150
    assert report.restarts >= 2
    assert report.exchange_orders > 0
    if FaultKind.DISK_FULL not in report.kinds:  # no tmpfs here: said so, not silently
        assert any("DISK_FULL skipped" in note for note in report.notes)
    expected = set(FaultKind) - ({FaultKind.DISK_FULL} - report.kinds)
    missing = [kind.name for kind in FaultKind if kind in expected and not report.faults.get(kind)]
    assert missing == [], render(report)


async def test_both_auth_schemes_had_the_client_clock_stepped(report: SoakReport) -> None:
    assert report.clock_steps.get("v1", 0) >= 1 and report.clock_steps.get("v3", 0) >= 1


async def test_no_driver_life_crashed_or_stalled(report: SoakReport) -> None:
    _check(report, bool(report.crashes or report.stalls))


async def test_no_client_order_id_was_created_twice(report: SoakReport) -> None:
    duplicates = report.verification.duplicates
    # whatever else is pending, only a late execution may duplicate an order
    assert [d for d in duplicates if not report.late_hit(d)] == [], render(report)
    _check(report, bool(duplicates))


async def test_no_exchange_order_is_unknown_to_the_manager_or_the_store(
    report: SoakReport,
) -> None:
    _check(report, bool(report.verification.lost))


async def test_every_order_agrees_with_the_exchange(report: SoakReport) -> None:
    _check(report, bool(report.verification.mismatches))


async def test_the_stored_fills_add_up_to_the_exchange_positions(report: SoakReport) -> None:
    v = report.verification
    _check(report, bool(v.position_mismatches or v.manager_position_mismatches))


async def test_no_untyped_error_reached_the_strategy(report: SoakReport) -> None:
    _check(report, bool(report.unexpected))


async def test_no_bracketed_position_is_left_without_its_stop(report: SoakReport) -> None:
    assert report.stops is not None and report.stops.samples > 0
    _check(report, report.bracket_unprotected_at_end)


async def test_the_driver_adopted_none_of_the_second_process_orders(
    report: SoakReport,
) -> None:
    assert report.host is not None and report.host.second_runs >= 1
    assert report.verification.foreign_adopted == [], render(report)


async def test_batches_native_modifies_and_a_hedge_mode_account_were_driven(
    report: SoakReport,
) -> None:
    """The order mix includes batches, modifies in place (v3 lives) and the hedge-mode
    account's legs, all under the same checks (its entries would be marked "[hedge]")."""
    calls, legs = report.batches
    assert calls > 0 and legs >= 2 * calls, render(report)
    assert report.modifies.get("native", 0) + report.modifies.get("replaced", 0) > 0
    v = report.verification
    assert v.hedge_exchange_orders > 0 and v.hedge_store_orders >= v.hedge_exchange_orders
    assert not [e for e in v.lost + v.mismatches + v.position_mismatches if "[hedge]" in e]


async def test_verify_hedge_reports_a_leg_the_store_does_not_add_up_to(
    tmp_path: Path,
) -> None:
    """A hedge leg filled on the exchange, unknown to the store: lost, and its position
    not what the store's fills add up to."""
    from bench.soak.hedge import hedge_account, set_hedge_mode
    from bench.soak.verify import Verification, verify_hedge

    hedge = hedge_account()
    async with SimulatedExchange(seed=1, accounts=[hedge]) as sim:
        set_hedge_mode(sim, hedge)
        sim.engine.private(hedge.account_id, "POST", "order",
                           {**_market("oh-unseen"), "positionSide": "LONG"})
        result = Verification()
        await verify_hedge(sim, hedge.account_id, tmp_path / "hedge.sqlite",
                           {"orders": {}, "positions": {}}, result)
    assert [e.split(":")[0] for e in result.lost] == ["[hedge] oh-unseen"] * 2
    assert result.position_mismatches == [
        "[hedge] ETHUSDT LONG: exchange position 0.01, store fills sum to 0"]


# -- the soak's own checks, each shown to catch what it is for --------------------------------


async def _signed_post_order(sim: SimulatedExchange, params: dict[str, str]) -> int:
    """POST /fapi/v1/order signed with the account's HMAC key; the HTTP status."""
    account = sim.account
    assert account.api_key and account.api_secret
    query = urlencode({**params, "timestamp": str(int(time.time() * 1000))})
    query += "&signature=" + hmac_sha256_hex(account.api_secret, query)
    async with aiohttp.ClientSession() as session, session.post(
        f"{sim.rest_url}/fapi/v1/order?{query}", headers={"X-MBX-APIKEY": account.api_key}
    ) as response:
        await response.read()
        return response.status


def _market(client_order_id: str, symbol: str = "ETHUSDT") -> dict[str, str]:
    return {"symbol": symbol, "side": "BUY", "type": "MARKET", "quantity": "0.01",
            "newClientOrderId": client_order_id}


def _no_state() -> dict[str, object]:
    return {"orders": {}, "positions": {}}


async def test_verify_reports_an_order_the_exchange_created_twice(tmp_path: Path) -> None:
    async with SimulatedExchange(seed=1) as sim:
        account_id = sim.account.account_id
        for _ in range(2):  # a market order re-sent after its first copy filled
            sim.engine.private(account_id, "POST", "order", _market("om-twice"))
        result = await verify(sim, tmp_path / "store.sqlite", _no_state())
    assert result.duplicates == ["om-twice"]


async def test_verify_reports_the_second_process_orders_the_driver_adopted(
    tmp_path: Path,
) -> None:
    async with SimulatedExchange(seed=1) as sim:
        sim.engine.private(sim.account.account_id, "POST", "order", {
            "symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
            "quantity": "0.01", "price": "2500", "newClientOrderId": "p2-resting",
        })
        state = {"orders": {"p2-resting": {
            "order_id": "1", "symbol": "ETHUSDT", "side": "BUY", "status": "NEW",
            "filled": "0", "role": "SINGLE", "adopted": True,
        }}, "positions": {}}
        adopted = await verify(sim, tmp_path / "store.sqlite", state)
        untouched = await verify(sim, tmp_path / "store.sqlite", _no_state())
    assert adopted.foreign_adopted == ["p2-resting: adopted by the manager"]
    # not the driver's: neither lost nor a mismatch when the driver leaves it alone
    assert untouched.foreign_adopted == [] and untouched.lost == []
    assert untouched.mismatch_count == 0 and untouched.second_left_open == ["p2-resting"]


async def test_a_bracket_symbol_position_without_a_stop_on_its_closing_side_is_unprotected(
) -> None:
    async with SimulatedExchange(seed=1) as sim:
        account_id = sim.account.account_id
        sim.engine.private(account_id, "POST", "order", _market("om-entry", "BTCUSDT"))
        alone = protection(sim)
        stop = {"symbol": "BTCUSDT", "type": "STOP_MARKET", "quantity": "0.01"}
        sim.engine.private(account_id, "POST", "order", {  # it would add to the long
            **stop, "side": "BUY", "stopPrice": "60000", "newClientOrderId": "om-buy",
        })
        with_buy_stop = protection(sim)
        sim.engine.private(account_id, "POST", "order", {
            **stop, "side": "SELL", "stopPrice": "40000", "reduceOnly": "true",
            "newClientOrderId": "om-sell",
        })
        protected = protection(sim)
    assert alone.position == Decimal("0.01") and alone.unprotected
    assert with_buy_stop.unprotected  # a stop that would not close a long protects nothing
    assert not protected.unprotected and not protected.under_covered


async def test_a_late_executed_order_sent_again_is_counted_as_duplicated() -> None:
    sim = SimulatedExchange(seed=1)
    tagger = RequestTagger(sim)
    await sim.start()
    try:
        tagger.arm(FaultKind.LATE_EXECUTION)
        sim.faults.fail_requests(1, status=503, code=-1007, execute=True,
                                 execute_after_ms=200, path="order", method="POST")
        assert await _signed_post_order(sim, _market("om-late")) == 503
        for _ in range(200):  # until the backend carried it out
            if sim.ledger.get("om-late"):
                break
            await asyncio.sleep(0.02)
        assert await _signed_post_order(sim, _market("om-late")) == 200  # "not found": resent
        outcomes = tagger.outcomes(lambda cid: sim.ledger.get(cid, 0), lambda cid: None)
    finally:
        await sim.stop()
    counts = outcomes[FaultKind.LATE_EXECUTION].counts
    assert counts["DUPLICATED (executed 2x)"] == 1 and counts["re-sent"] == 1
