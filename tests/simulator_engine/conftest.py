"""Fixtures for the matching engine's tests: an engine on a manual clock, with one account."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from execution.simulator.api import ApiError
from execution.simulator.engine import Engine, EngineConfig

START_MS = 1_700_000_000_000
ACCOUNT = "acct"


class ManualClock:
    def __init__(self) -> None:
        self.now = START_MS

    def __call__(self) -> int:
        return self.now


class Harness:
    """An engine, its recorded events and short-hands for the calls tests make."""

    def __init__(self, seed: int = 7, **config: Any) -> None:
        self.clock = ManualClock()
        self.engine = Engine(EngineConfig(seed=seed, clock=self.clock, **config))
        self.events: list[tuple[str | None, dict[str, Any]]] = []
        self.engine.set_listener(lambda account, event: self.events.append((account, event)))
        self.engine.add_account(ACCOUNT, {"USDT": Decimal(10000)})

    def call(self, method: str, name: str, **params: Any) -> Any:
        return self.engine.private(ACCOUNT, method, name, {k: str(v) for k, v in params.items()})

    def order(self, **params: Any) -> dict[str, Any]:
        params.setdefault("symbol", "BTCUSDT")
        params.setdefault("newOrderRespType", "RESULT")
        result: dict[str, Any] = self.call("POST", "order", **params)
        return result

    def query(self, order_id: int, symbol: str = "BTCUSDT") -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", "order", symbol=symbol, orderId=order_id)
        return result

    def position(self, symbol: str = "BTCUSDT", side: str = "BOTH") -> dict[str, Any]:
        rows = self.call("GET", "positionRisk", symbol=symbol)
        return next(row for row in rows if row["positionSide"] == side)

    def wallet(self) -> Decimal:
        rows = self.call("GET", "balance")
        return Decimal(next(row for row in rows if row["asset"] == "USDT")["balance"])

    def user_events(self, kind: str) -> list[dict[str, Any]]:
        return [event for account, event in self.events if account and event.get("e") == kind]

    def order_updates(self, order_id: int) -> list[dict[str, Any]]:
        return [e["o"] for e in self.user_events("ORDER_TRADE_UPDATE") if e["o"]["i"] == order_id]

    def fill_at(self, side: str, quantity: str, price: str,
                symbol: str = "BTCUSDT") -> dict[str, Any]:
        """Fill `quantity` at exactly `price` as maker: a resting limit and a counterparty."""
        placed = self.order(symbol=symbol, side=side, type="LIMIT", timeInForce="GTC",
                            quantity=quantity, price=price)
        if placed["status"] != "FILLED":
            self.engine.counterparty_fill(ACCOUNT, symbol, order_id=placed["orderId"])
        return placed

    def price(self, value: str, symbol: str = "BTCUSDT", mark: str | None = None) -> None:
        self.engine.set_price(symbol, Decimal(value),
                              mark_price=Decimal(mark) if mark is not None else None)


@pytest.fixture
def sim() -> Harness:
    return Harness()


@pytest.fixture
def make_sim() -> Callable[..., Harness]:
    return Harness


def code_of(action: Callable[[], Any]) -> int:
    """The exchange error code `action` is refused with."""
    with pytest.raises(ApiError) as caught:
        action()
    return caught.value.code
