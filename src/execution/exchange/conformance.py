"""The behaviour every `BaseExchange` must have, as a pytest suite run against the simulator.

Subclass `ExchangeConformance` in a test module and give it an async fixture `venue` that
yields `(exchange, simulator)`: a connected exchange trading on that `SimulatedExchange`'s
default account. Every test here then runs for that exchange class.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from decimal import Decimal
from typing import Any

import pytest

from execution.errors import (
    InsufficientMarginError,
    OrderNotFoundError,
    OrderStatusUnknownError,
    ValidationError,
)
from execution.exchange.base import BaseExchange
from execution.models import (
    MarginType,
    OrderSide,
    OrderStatus,
    OrderType,
    OrderUpdate,
    UserEvent,
)
from execution.rules import Rounding

Venue = tuple[BaseExchange, Any]  # (exchange, SimulatedExchange)


class ExchangeConformance:
    """Abstract suite: needs a `venue` fixture."""

    symbol = "BTCUSDT"

    @staticmethod
    async def resting_buy_price(exchange: BaseExchange, symbol: str) -> Decimal:
        rules = await exchange.get_symbol_rules(symbol)
        mark = await exchange.fetch_mark_price(symbol)
        return rules.round_price(mark * Decimal("0.95"), Rounding.DOWN)

    async def place_resting(self, exchange: BaseExchange, **kwargs: Any) -> Any:
        price = await self.resting_buy_price(exchange, self.symbol)
        return await exchange.create_order(
            self.symbol, OrderSide.BUY, OrderType.LIMIT, Decimal("0.002"), price=price, **kwargs
        )

    async def test_server_time_is_close_to_local_time(self, venue: Venue) -> None:
        exchange, _ = venue
        assert abs(await exchange.server_time() - time.time() * 1000) < 5000

    async def test_symbol_rules_and_unknown_symbol(self, venue: Venue) -> None:
        exchange, sim = venue
        rules = await exchange.get_symbol_rules(self.symbol)
        assert rules.tick_size > 0 and rules.step_size > 0
        sent = len(sim.request_log)
        with pytest.raises(ValidationError):
            await exchange.create_order("NOPEUSDT", OrderSide.BUY, OrderType.MARKET, Decimal(1))
        assert len(sim.request_log) == sent  # refused before any request

    async def test_balance_and_mark_price(self, venue: Venue) -> None:
        exchange, _ = venue
        balances = await exchange.fetch_balance()
        assert balances["USDT"].wallet_balance > 0
        assert await exchange.fetch_mark_price(self.symbol) > 0

    async def test_limit_order_lifecycle(self, venue: Venue) -> None:
        exchange, _ = venue
        order = await self.place_resting(exchange)
        assert order.status is OrderStatus.NEW and order.order_id
        open_ids = {o.client_order_id for o in await exchange.get_open_orders(self.symbol)}
        assert order.client_order_id in open_ids
        by_id = await exchange.fetch_order(self.symbol, order_id=order.order_id)
        by_client_id = await exchange.fetch_order(
            self.symbol, client_order_id=order.client_order_id
        )
        assert by_id.client_order_id == by_client_id.client_order_id == order.client_order_id
        cancelled = await exchange.cancel_order(order.order_id, self.symbol)
        assert cancelled.status is OrderStatus.CANCELED
        assert order.client_order_id not in {
            o.client_order_id for o in await exchange.get_open_orders()
        }
        history = await exchange.get_all_orders(self.symbol)
        assert order.client_order_id in {o.client_order_id for o in history}

    async def test_market_order_opens_and_closes_a_position(self, venue: Venue) -> None:
        exchange, _ = venue
        order = await exchange.create_order(
            self.symbol, OrderSide.BUY, OrderType.MARKET, Decimal("0.01")
        )
        assert order.status is OrderStatus.FILLED and order.filled_quantity == Decimal("0.01")
        positions = await exchange.get_positions(self.symbol)
        assert positions and positions[0].quantity == Decimal("0.01")
        await exchange.create_order(
            self.symbol, OrderSide.SELL, OrderType.MARKET, Decimal("0.01"), reduce_only=True
        )
        assert await exchange.get_positions(self.symbol) == []

    async def test_rejected_order_raises_a_typed_error(self, venue: Venue) -> None:
        exchange, _ = venue
        with pytest.raises(InsufficientMarginError) as info:
            await exchange.create_order(
                self.symbol, OrderSide.BUY, OrderType.MARKET, Decimal("100")
            )
        assert info.value.code is not None and info.value.message

    async def test_unknown_order_is_not_found(self, venue: Venue) -> None:
        exchange, _ = venue
        with pytest.raises(OrderNotFoundError):
            await exchange.fetch_order(self.symbol, client_order_id="never-placed")
        with pytest.raises(OrderNotFoundError):
            await exchange.cancel_order(None, self.symbol, client_order_id="never-placed")

    async def test_lost_order_is_found_not_duplicated(self, venue: Venue) -> None:
        exchange, sim = venue
        sim.faults.drop_responses(count=1, path="order", method="POST")
        order = await self.place_resting(exchange)
        assert order.status is OrderStatus.NEW
        assert sim.orders_created(order.client_order_id) == 1

    async def test_unknown_status_not_executed_is_never_doubled(self, venue: Venue) -> None:
        """A 503 that was not carried out: placed once with proof (v3 noop), or reported
        as an unknown outcome and not sent again (no proof on v1)."""
        exchange, sim = venue
        sim.faults.fail_requests(count=1, status=503, code=-1007, execute=False,
                                 path="order", method="POST")
        client_id = "conformance-unknown-1"
        try:
            order = await self.place_resting(exchange, client_order_id=client_id)
        except OrderStatusUnknownError:
            assert sim.orders_created(client_id) == 0
        else:
            assert order.status is OrderStatus.NEW
            assert sim.orders_created(client_id) == 1

    @pytest.mark.parametrize("delay_ms", [600, 3000])
    async def test_market_order_executed_late_is_never_sent_twice(
        self, venue: Venue, delay_ms: int
    ) -> None:
        """The exchange carries out a 503'd market order `delay_ms` later (after lookups
        that found nothing): the position is one order's, never two."""
        exchange, sim = venue
        quantity = Decimal("0.001")
        sim.faults.fail_requests(count=1, status=503, code=-1007, execute=True,
                                 execute_after_ms=delay_ms, path="order", method="POST")
        client_id = f"conformance-late-{delay_ms}"
        executed_by = time.monotonic() + delay_ms / 1000
        # No proof either way on some venues: the caller is told, nothing is sent again.
        with contextlib.suppress(OrderStatusUnknownError):
            await exchange.create_order(self.symbol, OrderSide.BUY, OrderType.MARKET, quantity,
                                        client_order_id=client_id)
        # past the moment the queued copy comes out (or is refused for its spent nonce)
        await asyncio.sleep(max(0.0, executed_by - time.monotonic()) + 0.8)
        assert sim.orders_created(client_id) == 1
        positions = await exchange.get_positions(self.symbol)
        assert sum((p.quantity for p in positions), Decimal(0)) == quantity

    async def test_unknown_status_executed_is_not_resent(self, venue: Venue) -> None:
        exchange, sim = venue
        sim.faults.fail_requests(count=1, status=503, code=-1007, execute=True,
                                 path="order", method="POST")
        order = await self.place_resting(exchange)
        assert order.status is OrderStatus.NEW
        assert sim.orders_created(order.client_order_id) == 1

    async def test_cancel_whose_response_was_lost(self, venue: Venue) -> None:
        exchange, sim = venue
        order = await self.place_resting(exchange)
        sim.faults.drop_responses(count=1, path="order", method="DELETE")
        cancelled = await exchange.cancel_order(order.order_id, self.symbol)
        assert cancelled.status is OrderStatus.CANCELED

    async def test_cancel_all_orders(self, venue: Venue) -> None:
        exchange, _ = venue
        for _ in range(3):
            await self.place_resting(exchange)
        await exchange.cancel_all_orders(self.symbol)
        assert await exchange.get_open_orders(self.symbol) == []

    async def test_leverage_and_margin_type(self, venue: Venue) -> None:
        exchange, _ = venue
        assert await exchange.set_leverage(self.symbol, 7) == 7
        await exchange.set_margin_type(self.symbol, MarginType.ISOLATED)
        await exchange.set_margin_type(self.symbol, MarginType.ISOLATED)  # already so: fine
        await exchange.set_margin_type(self.symbol, MarginType.CROSSED)

    async def test_user_stream_delivers_order_updates(self, venue: Venue) -> None:
        exchange, _ = venue
        seen: list[UserEvent] = []
        arrived = asyncio.Event()

        def handler(event: UserEvent) -> None:
            seen.append(event)
            if isinstance(event, OrderUpdate) and not event.from_resync:
                arrived.set()

        await exchange.start_user_stream(handler)
        try:
            assert exchange.user_stream_connected
            order = await self.place_resting(exchange)
            await asyncio.wait_for(arrived.wait(), 5)
            updates = [e for e in seen if isinstance(e, OrderUpdate)]
            assert any(u.order.client_order_id == order.client_order_id for u in updates)
        finally:
            await exchange.stop_user_stream()
        assert not exchange.user_stream_connected

