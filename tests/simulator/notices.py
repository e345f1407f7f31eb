"""Helpers for the user-data notice tests: read a socket until an event matches, and bring
a long of the default account near its liquidation price (a margin call)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp

from execution.simulator import SimulatedExchange

from .ws import receive_until

SYMBOL = "BTCUSDT"
TICK = Decimal("0.1")


async def receive(ws: aiohttp.ClientWebSocketResponse, predicate: Any,
                  wait_seconds: float = 20.0) -> dict[str, Any]:
    """The first event on `ws` that `predicate` accepts."""
    return await receive_until(ws, predicate, wait_seconds)


def is_event(kind: str) -> Any:
    return lambda event: isinstance(event, dict) and event.get("e") == kind


async def open_long(client: Any, quantity: str = "3", *, isolated: bool = False) -> None:
    """A long of the default account at leverage 20, cross or isolated."""
    if isolated:
        answer = await client.hmac("POST", "/fapi/v1/marginType",
                                   {"symbol": SYMBOL, "marginType": "ISOLATED"})
        assert answer.status == 200, answer.body
    assert (await client.hmac("POST", "/fapi/v1/leverage",
                              {"symbol": SYMBOL, "leverage": "20"})).status == 200
    opened = await client.hmac("POST", "/fapi/v1/order", {
        "symbol": SYMBOL, "side": "BUY", "type": "MARKET", "quantity": quantity})
    assert opened.status == 200, opened.body


async def liquidation_price(client: Any) -> tuple[Decimal, Decimal]:
    """(entry price, liquidation price) of the default account's BTCUSDT position."""
    risk = await client.hmac("GET", "/fapi/v2/positionRisk", {"symbol": SYMBOL})
    assert risk.status == 200, risk.body
    row = next(r for r in risk.body if Decimal(r["positionAmt"]))
    return Decimal(row["entryPrice"]), Decimal(row["liquidationPrice"])


def walk_down_until_called(simulator: SimulatedExchange, entry: Decimal,
                           liquidation: Decimal) -> Decimal:
    """Lower the price from `entry` toward `liquidation` in small steps until the engine
    sends a margin call; the price it stopped at."""
    desk = simulator.engine.margin_calls
    before = desk.calls
    for step in range(1, 1000):
        price = (entry - (entry - liquidation) * step / 1000).quantize(TICK)
        simulator.set_price(SYMBOL, price)
        if desk.calls > before:
            return price
    raise AssertionError("no margin call before the liquidation price")
