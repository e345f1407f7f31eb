"""A trade's time is one figure: the `ORDER_TRADE_UPDATE` that reports it (`T`, `o.T`)
and `userTrades` agree, however the clock moves while the engine works (before, the
event read the clock again: a millisecond later now and then, and a ledger rebuilt from
`userTrades` differed from the one recorded from the stream)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from execution.simulator.engine import Engine, EngineConfig


def test_a_trades_update_and_user_trades_give_the_same_time() -> None:
    ticks = itertools.count(1_800_000_000_000)
    engine = Engine(EngineConfig(seed=3, clock=lambda: next(ticks)))  # 1 ms a reading
    engine.add_account("a", {"USDT": Decimal(100_000)})
    events: list[dict[str, Any]] = []
    engine.set_listener(lambda account, event: events.append(event) if account else None)
    engine.private("a", "POST", "order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                                           "quantity": "0.010"})
    trades = engine.private("a", "GET", "userTrades", {"symbol": "BTCUSDT"})
    updates = [e for e in events if e.get("e") == "ORDER_TRADE_UPDATE" and e["o"]["x"] == "TRADE"]
    assert trades and len(updates) == len(trades)
    for trade, update in zip(trades, updates, strict=True):
        assert update["o"]["t"] == trade["id"]
        assert update["o"]["T"] == update["T"] == trade["time"]
