"""Unknown outcomes are settled with proof: v3 races a noop with the order's nonce; v1 never
sends again. Against the simulator, whose backend queues a 503'd request and carries it out
later unless a noop spent its nonce first (the docs' noop)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from decimal import Decimal

import pytest

from execution.errors import ExecutionError, OrderStatusUnknownError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus, OrderType
from execution.simulator import SimulatedExchange

SYMBOL = "BTCUSDT"
QUANTITY = Decimal("0.001")


def posts(sim: SimulatedExchange, path_end: str) -> list[dict[str, str]]:
    return [r.params for r in sim.request_log
            if r.method == "POST" and r.path.endswith(path_end)]


def fail_next_order(sim: SimulatedExchange, *, execute: bool, after_ms: int = 0) -> None:
    sim.faults.fail_requests(count=1, status=503, code=-1007, execute=execute,
                             execute_after_ms=after_ms, path="order", method="POST")


async def market_buy(exchange: AsterDEXExchange, client_id: str) -> OrderStatus | None:
    try:
        order = await exchange.create_order(SYMBOL, OrderSide.BUY, OrderType.MARKET, QUANTITY,
                                            client_order_id=client_id)
    except OrderStatusUnknownError:
        return None
    return order.status


async def position(exchange: AsterDEXExchange) -> Decimal:
    return sum((p.quantity for p in await exchange.get_positions(SYMBOL)), Decimal(0))


async def wait_past(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()) + 0.5)


@pytest.mark.parametrize("auth", ["eip712"])
async def test_v3_noop_with_the_orders_nonce_proves_it_dead_and_it_is_sent_again(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    fail_next_order(simulator, execute=False)
    assert await market_buy(exchange, "proof-not-executed") is OrderStatus.FILLED
    orders, noops = posts(simulator, "/order"), posts(simulator, "/noop")
    assert len(orders) == 2 and len(noops) == 1
    assert noops[0]["nonce"] == orders[0]["nonce"] != orders[1]["nonce"]
    assert simulator.orders_created("proof-not-executed") == 1
    assert await position(exchange) == QUANTITY


@pytest.mark.parametrize("auth", ["eip712"])
@pytest.mark.parametrize("delay_ms", [800, 5000])
async def test_v3_noop_cancels_the_queued_copy_before_it_executes(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, delay_ms: int
) -> None:
    comes_out = time.monotonic() + delay_ms / 1000
    fail_next_order(simulator, execute=True, after_ms=delay_ms)
    assert await market_buy(exchange, "proof-queued") is OrderStatus.FILLED
    await wait_past(comes_out)
    assert simulator.late_requests == (0, 1)  # dropped: its nonce was spent by the noop
    assert simulator.orders_created("proof-queued") == 1
    assert await position(exchange) == QUANTITY


@pytest.mark.parametrize("auth", ["eip712"])
async def test_v3_noop_refused_as_spent_means_processed_and_nothing_is_sent_again(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    fail_next_order(simulator, execute=True)  # carried out, then answered 503
    assert await market_buy(exchange, "proof-processed") is OrderStatus.FILLED
    assert len(posts(simulator, "/order")) == 1
    assert simulator.orders_created("proof-processed") == 1


@pytest.mark.parametrize("auth", ["eip712"])
@pytest.mark.parametrize("noop_executed", [True, False])
async def test_v3_a_noop_whose_own_answer_is_lost_never_leads_to_a_double(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, noop_executed: bool
) -> None:
    """The noop itself answered 503: carried out (the nonce is spent by it; asked again it
    says "spent", read as "processed": nothing is sent, the outcome stays unknown) or not
    (asked again it succeeds: proof, sent again)."""
    fail_next_order(simulator, execute=False)
    simulator.faults.fail_requests(count=1, status=503, code=-1007, execute=noop_executed,
                                   path="noop", method="POST")
    status = await market_buy(exchange, "proof-noop-lost")
    created = simulator.orders_created("proof-noop-lost")
    if noop_executed:
        assert status is None and created == 0
    else:
        assert status is OrderStatus.FILLED and created == 1
    assert await position(exchange) == QUANTITY * created


@pytest.mark.parametrize("auth", ["hmac"])
async def test_v1_without_proof_an_unknown_outcome_is_never_sent_again(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    fail_next_order(simulator, execute=False)
    with pytest.raises(OrderStatusUnknownError, match="not sent again"):
        await exchange.create_order(SYMBOL, OrderSide.BUY, OrderType.MARKET, QUANTITY,
                                    client_order_id="proof-v1")
    assert len(posts(simulator, "/order")) == 1
    assert simulator.orders_created("proof-v1") == 0


@pytest.mark.parametrize("delay_ms", [300, 2500, 9000])
async def test_an_order_executed_up_to_ten_seconds_late_is_one_order(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, delay_ms: int
) -> None:
    comes_out = time.monotonic() + delay_ms / 1000
    fail_next_order(simulator, execute=True, after_ms=delay_ms)
    await market_buy(exchange, f"proof-late-{delay_ms}")
    await wait_past(comes_out)
    assert simulator.orders_created(f"proof-late-{delay_ms}") == 1
    assert await position(exchange) == QUANTITY


@pytest.mark.parametrize("auth", ["eip712"])
@pytest.mark.parametrize("executed_after_ms", [0, 2000])
async def test_v3_noop_rate_limited_every_time_gives_no_proof_and_no_second_copy(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, executed_after_ms: int
) -> None:
    """429 on every noop (then the lookups): no proof, so nothing is sent again; a queued
    copy that comes out later is the only order."""
    comes_out = time.monotonic() + executed_after_ms / 1000
    fail_next_order(simulator, execute=executed_after_ms > 0, after_ms=executed_after_ms)
    simulator.faults.fail_requests(count=20, status=429, code=-1003, path="noop",
                                   method="POST")
    status = await market_buy(exchange, "proof-noop-429")
    assert len(posts(simulator, "/order")) == 1
    await wait_past(comes_out)
    created = simulator.orders_created("proof-noop-429")
    assert created == (1 if executed_after_ms else 0)
    assert status in (None, OrderStatus.FILLED)
    assert await position(exchange) == QUANTITY * created


@pytest.mark.parametrize("auth", ["eip712"])
async def test_v3_an_ip_ban_while_settling_never_leads_to_a_second_copy(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    """The noop is answered 418 (banned): the client stops sending, raises an unknown
    outcome, and sends no second copy; the queued first copy comes out later."""
    comes_out = time.monotonic() + 1.5
    fail_next_order(simulator, execute=True, after_ms=1500)
    simulator.faults.fail_requests(count=1, status=418, code=-1003, path="noop",
                                   method="POST")
    assert await market_buy(exchange, "proof-banned") is None
    await wait_past(comes_out)
    assert len(posts(simulator, "/order")) == 1
    assert simulator.orders_created("proof-banned") == 1


@pytest.mark.parametrize("auth", ["eip712"])
async def test_v3_a_noop_spent_nonce_stays_spent_after_a_hundred_newer_and_a_failed_request(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    """The venue keeps a user's last 100 nonces and refuses one below the smallest kept
    as expired: the noop's nonce, pushed out by 100 newer requests, still stops the queued
    copy, also after a request that failed unprocessed in between."""
    comes_out = time.monotonic() + 4.0
    fail_next_order(simulator, execute=True, after_ms=4000)
    assert await market_buy(exchange, "proof-evicted") is OrderStatus.FILLED
    for _ in range(110):  # the noop's nonce leaves the 100 kept
        await exchange.get_open_orders(SYMBOL)
    simulator.faults.fail_requests(count=20, status=503, code=-1007, execute=False,
                                   path="openOrders", method="GET")  # every retry too
    with contextlib.suppress(ExecutionError):
        await exchange.get_open_orders(SYMBOL)
    await wait_past(comes_out)
    assert simulator.orders_created("proof-evicted") == 1
    assert await position(exchange) == QUANTITY
