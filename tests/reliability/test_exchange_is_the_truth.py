"""Reproductions of soak findings: the manager's state follows only the exchange's answers.

- An error that says nothing about the order (rate limit, ban, 5xx, unknown status) leaves
  it PENDING_NEW, settled by its client order id, never a final REJECTED.
- An order REJECTED locally (without the exchange's word) that the exchange then shows
  follows the exchange; the rejection stays in the audit trail.
- `cancel_all_orders` on the client does not rewrite orders into a CANCELED the exchange
  never said (a stop-loss exit was recorded CANCELED while the exchange had it FILLED).
- Positions are read from the exchange after a restart, a stream resync, a poll.
- The market close of a bracket whose exit trigger is crossed is not stopped by the guards.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from execution.errors import ExecutionError, OrderNotFoundError, RateLimitError
from execution.models import (
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    OrderUpdate,
    TimeInForce,
)
from execution.orders.managed import ManagedOrder, OrderRole
from execution.orders.manager import OrderManager
from execution.orders.state import (
    OrderAccepted,
    OrderCancelRequested,
    OrderFilled,
    OrderRejected,
    Outcome,
)
from execution.orders.validation import OrderGuards, TriggerCrossedError
from execution.simulator import SimulatedExchange
from execution.store import OrderStore

D = Decimal
BTC = "BTCUSDT"


def _limit(client_order_id: str) -> ManagedOrder:
    return ManagedOrder(
        Order(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"), client_order_id,
              price=D("49000"), time_in_force=TimeInForce.GTC),
        submitted_at=1,
    )


# -- REJECTED only on the exchange's word ----------------------------------------------------


async def test_a_rate_limited_placement_is_not_rejected_and_is_settled_later(
    roomy_simulator: SimulatedExchange, db: Path, helpers: Any
) -> None:
    sim = roomy_simulator
    async with (
        helpers.hmac_client(sim, backoff_base=0.001) as exchange,
        OrderManager(exchange, db, poll_interval=0.05, pending_grace=30.0) as manager,
    ):
        # The client sends once more after a first 429 (not executed); a second one ends it.
        sim.faults.fail_requests(2, status=429, code=-1003, path="order", method="POST")
        client_order_id = "refused-by-the-budget"
        with contextlib.suppress(RateLimitError):
            await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("40000"),
                                            client_order_id=client_order_id)
        managed = manager.get_order(client_order_id)
        assert managed is not None
        # A 429 says nothing about the order: not a rejection by the exchange.
        assert managed.status is OrderStatus.PENDING_NEW, managed.events
        assert sim.orders_created(client_order_id) == 0
        manager.pending_grace = 0.1  # the exchange has had its time: now it is settled
        await helpers.wait_for(lambda: managed.status is OrderStatus.REJECTED, 10.0)
        assert managed.rejected_locally  # the manager's conclusion, not the exchange's


async def test_an_order_executed_behind_a_429_ends_in_the_exchange_state(
    roomy_simulator: SimulatedExchange, db: Path, helpers: Any
) -> None:
    sim = roomy_simulator
    async with helpers.hmac_client(sim, backoff_base=0.001) as exchange:
        manager = OrderManager(exchange, db, poll_interval=0.05, pending_grace=0.3)
        await manager.start()
        await exchange.stop_user_stream()  # polling has to find it
        try:
            sim.faults.fail_requests(1, status=429, code=-1003, execute=True, path="order",
                                     method="POST")
            client_order_id = "executed-behind-a-429"
            with contextlib.suppress(ExecutionError):
                await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("40000"),
                                                client_order_id=client_order_id)
            assert sim.orders_created(client_order_id) == 1
            managed = manager.get_order(client_order_id)
            assert managed is not None
            await helpers.wait_for(lambda: managed.status is OrderStatus.NEW)
            assert managed.order_id
        finally:
            await manager.stop()


def test_an_order_rejected_locally_follows_the_exchange_when_it_shows_it() -> None:
    managed = _limit("rejected-then-seen")
    managed.apply(OrderRejected(managed.client_order_id, "not found on the exchange", 2,
                                local=True))
    assert managed.status is OrderStatus.REJECTED and managed.rejected_locally
    accepted = managed.apply(OrderAccepted(managed.client_order_id, "77", 3))
    assert accepted.outcome is Outcome.APPLIED and managed.status is OrderStatus.NEW
    assert managed.order_id == "77" and not managed.rejected_locally
    managed.apply(OrderFilled(managed.client_order_id, 5, D("0.01"), D("49000"), D("0.01"), 4))
    assert managed.status is OrderStatus.FILLED
    kinds = [type(e).__name__ for e in managed.events]
    assert kinds == ["OrderRejected", "OrderAccepted", "OrderFilled"]  # audit trail kept


def test_a_fill_after_a_local_rejection_is_counted() -> None:
    managed = _limit("rejected-then-filled")
    managed.apply(OrderRejected(managed.client_order_id, "never reached the exchange", 2,
                                local=True))
    fill = managed.apply(
        OrderFilled(managed.client_order_id, 9, D("0.004"), D("49000"), D("0.004"), 3)
    )
    assert fill.outcome is Outcome.APPLIED
    assert managed.status is OrderStatus.PARTIALLY_FILLED
    assert managed.filled_quantity == D("0.004")


def test_the_exchange_rejection_stays_final() -> None:
    managed = _limit("rejected-by-the-exchange")
    managed.apply(OrderRejected(managed.client_order_id, "-2019 margin is insufficient", 2))
    late = managed.apply(OrderAccepted(managed.client_order_id, "78", 3))
    assert late.outcome is not Outcome.APPLIED
    assert managed.status is OrderStatus.REJECTED and not managed.rejected_locally


async def test_a_local_rejection_is_remembered_across_a_restart(tmp_path: Path) -> None:
    managed = _limit("rejected-locally-stored")
    event = OrderRejected(managed.client_order_id, "not found on the exchange", 2, local=True)
    managed.apply(event)
    async with OrderStore(tmp_path / "orders.sqlite") as store:
        store.save_order(managed)
        store.append_event(managed.client_order_id, event)
    async with OrderStore(tmp_path / "orders.sqlite") as store:
        (loaded,) = await store.load_orders()
        history = await store.query_events(managed.client_order_id)
    assert loaded.rejected_locally
    (stored,) = [row.event for row in history]
    assert isinstance(stored, OrderRejected) and stored.local


# -- CANCELED only on the exchange's word ----------------------------------------------------


async def test_cancel_all_does_not_rewrite_the_orders_a_caller_holds(
    roomy_simulator: SimulatedExchange, client: Any
) -> None:
    order = await client.create_order(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"),
                                      price=D("49000"), time_in_force=TimeInForce.GTC)
    (listed,) = await client.get_open_orders(BTC)
    roomy_simulator.fill_order(BTC, client_order_id=order.client_order_id)
    await client.cancel_all_orders(BTC)  # nothing left to cancel: it had filled
    assert order.status is OrderStatus.NEW and listed.status is OrderStatus.NEW
    assert client.tracked_orders[order.client_order_id].status is not OrderStatus.CANCELED
    truth = await client.fetch_order(BTC, client_order_id=order.client_order_id)
    assert truth.status is OrderStatus.FILLED


async def test_a_resync_snapshot_taken_before_a_cancel_all_does_not_cancel_a_filled_exit(
    roomy_simulator: SimulatedExchange, db: Path, helpers: Any
) -> None:
    # The soak's story: the stream resync lists the open orders, then (while it queries
    # the others) a cancel-all runs; the order had filled meanwhile. The resync must not
    # deliver a CANCELED the exchange never said, and the order ends FILLED.
    sim = roomy_simulator
    async with (
        helpers.hmac_client(sim) as exchange,
        OrderManager(exchange, db, poll_interval=60.0) as manager,
    ):
        managed = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"),
                                                  D("49000"))
        await exchange.stop_user_stream()  # the fill's events are missed
        (resync_snapshot,) = await exchange.get_open_orders(BTC)
        sim.fill_order(BTC, client_order_id=managed.client_order_id)
        await exchange.cancel_all_orders(BTC)
        manager.handle_event(OrderUpdate(
            order=resync_snapshot, execution_type="RESYNC", event_time=0,
            transaction_time=resync_snapshot.updated_at, from_resync=True,
        ))
        assert managed.status is not OrderStatus.CANCELED
        await manager.refresh(managed)
        assert managed.status is OrderStatus.FILLED
        assert managed.filled_quantity == D("0.01")


async def test_a_cancel_answered_unknown_order_for_a_filled_order_ends_filled(
    roomy_simulator: SimulatedExchange, db: Path, helpers: Any
) -> None:
    sim = roomy_simulator
    async with (
        helpers.hmac_client(sim) as exchange,
        OrderManager(exchange, db, poll_interval=60.0) as manager,
    ):
        managed = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"),
                                                  D("49000"))
        await exchange.stop_user_stream()
        sim.fill_order(BTC, client_order_id=managed.client_order_id)
        with contextlib.suppress(OrderNotFoundError):
            await manager.cancel_order(managed.client_order_id)
        assert managed.status is OrderStatus.FILLED
        assert managed.filled_quantity == D("0.01")


async def test_a_cancel_all_ends_each_order_in_the_exchange_state(
    roomy_simulator: SimulatedExchange, db: Path, helpers: Any
) -> None:
    sim = roomy_simulator
    async with (
        helpers.hmac_client(sim) as exchange,
        OrderManager(exchange, db, poll_interval=60.0) as manager,
    ):
        filled = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("49000"))
        resting = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"),
                                                  D("48000"))
        await exchange.stop_user_stream()
        sim.fill_order(BTC, client_order_id=filled.client_order_id)
        await manager.cancel_all_orders(BTC)
        assert filled.status is OrderStatus.FILLED
        assert resting.status is OrderStatus.CANCELED


# -- positions ---------------------------------------------------------------------------------


async def test_positions_follow_the_exchange_after_a_poll_and_a_resync(
    roomy_simulator: SimulatedExchange, db: Path, helpers: Any
) -> None:
    sim = roomy_simulator
    async with (
        helpers.hmac_client(sim) as exchange,
        OrderManager(exchange, db, poll_interval=60.0) as manager,
    ):
        await exchange.stop_user_stream()  # its ACCOUNT_UPDATEs are missed
        await exchange.create_order(BTC, OrderSide.BUY, OrderType.MARKET, D("0.01"))
        assert manager.positions == {}
        await manager.poll_once()
        assert {s: p.quantity for s, p in manager.positions.items()} == {BTC: D("0.01")}

        await exchange.start_user_stream(manager.handle_event)
        manager.positions.clear()  # as if an ACCOUNT_UPDATE had been lost in a gap
        sim.faults.drop_websockets()
        await helpers.wait_for(lambda: BTC in manager.positions)
        assert manager.positions[BTC].quantity == D("0.01")


# -- the market close of a crossed exit ----------------------------------------------------


async def test_the_market_close_of_a_crossed_exit_is_not_refused_by_the_guards(
    roomy_simulator: SimulatedExchange, db: Path, helpers: Any
) -> None:
    async with (
        helpers.hmac_client(roomy_simulator) as exchange,
        OrderManager(exchange, db, poll_interval=0.1) as manager,
    ):
        bracket = await manager.place_bracket_order(
            BTC, OrderSide.BUY, D("0.01"),
            stop_loss_price=D("49000"), take_profit_price=D("51000"),
        )
        await helpers.wait_for(
            lambda: bracket.stop_loss is not None and bracket.take_profit is not None
            and bracket.stop_loss.status is OrderStatus.NEW
            and bracket.take_profit.status is OrderStatus.NEW
        )
        # Guards that would refuse any new order of this symbol.
        manager.guards = OrderGuards(
            max_notional_per_order=D("1"), max_open_orders_per_symbol=0,
            allowed_symbols=frozenset({"ETHUSDT"}),
        )
        cause = TriggerCrossedError(OrderType.STOP_LOSS, OrderSide.SELL, D("49000"),
                                    D("48900"))
        close = await manager._parts.exits.close_at_market(bracket, OrderRole.STOP_LOSS, cause)
        assert close is not None and close.status is OrderStatus.FILLED
        assert close.order.reduce_only
        assert await exchange.get_positions(BTC) == []


async def test_a_cancel_all_that_raced_the_placement_leaves_the_order_working(
    roomy_simulator: SimulatedExchange, db: Path, helpers: Any
) -> None:
    # Soak, seed 7: cancel_all_orders marked an order PENDING_CANCEL while its placement
    # was in flight; the exchange processed the cancel-all first, so the order stayed open
    # there, and the manager kept it PENDING_CANCEL for good.
    async with (
        helpers.hmac_client(roomy_simulator) as exchange,
        OrderManager(exchange, db, poll_interval=0.05, pending_grace=0.1) as manager,
    ):
        managed = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"),
                                                  D("49000"))
        manager._parts.lifecycle.apply(managed, OrderCancelRequested(managed.client_order_id, 0))
        assert managed.status is OrderStatus.PENDING_CANCEL  # no cancel in flight
        await helpers.wait_for(lambda: managed.status is OrderStatus.NEW)
        (listed,) = await exchange.get_open_orders(BTC)
        assert listed.client_order_id == managed.client_order_id
