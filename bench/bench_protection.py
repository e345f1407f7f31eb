"""Time to protection and time to panic, through an `OrderManager` on an in-process
simulator.

    python -m bench.bench_protection [--quick]

Time to protection: a bracket's limit entry is filled by the exchange; measured is the time
from that fill to a live stop-loss for the position on the exchange (read from the
simulator's book of orders, polled every 0.2 ms). Native (AsterDEX v3: an OTOCO strategy
order) places it in the same step as the fill; emulated (v1 credentials) places it when the
fill reaches the manager and its exit order reaches the exchange; on Binance (the
simulator's Binance dialect) the emulated exit is an algo order (`POST algoOrder`).
Panic: 50 open orders on 3 symbols and a position on each; measured is `panic()` from the
call until every order is cancelled and every position flat.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.harness import quick_option
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for

SYMBOL = "BTCUSDT"
PRICES = {"BTCUSDT": Decimal("50000"), "ETHUSDT": Decimal("3000"), "SOLUSDT": Decimal("150")}
QUANTITIES = {"BTCUSDT": Decimal("0.001"), "ETHUSDT": Decimal("0.01"), "SOLUSDT": Decimal("1")}


def _client(sim: SimulatedExchange, auth: str, venue: str = "asterdex") -> AsterDEXExchange:
    return AsterDEXExchange(credentials_for(sim, auth), rest_urls=sim.rest_urls,
                            ws_url=sim.ws_url, dotenv_path=None, venue=venue)


def _live_stop(sim: SimulatedExchange) -> bool:
    account = sim.account.account_id
    orders: list[dict[str, Any]] = sim.engine.private(
        account, "GET", "openOrders", {"symbol": SYMBOL})
    if sim.dialect == "binance":  # a waiting stop is an algo order there
        orders = orders + [
            {**o, "type": o["orderType"]} for o in sim.engine.private(
                account, "GET", "openAlgoOrders", {"symbol": SYMBOL})]
    return any(o["type"] == "STOP_MARKET" for o in orders)


async def _until(condition: Callable[[], bool]) -> None:
    """Poll `condition` every 0.2 ms (what is measured is a state on the exchange, which
    tells no one when it changes)."""
    for _ in range(10_000_000):
        if condition():
            return
        await asyncio.sleep(0.0002)


async def _protection_trial(auth: str, number: int, folder: Path, venue: str) -> float:
    async with SimulatedExchange(seed=number, dialect=venue) as sim:
        sim.set_price(SYMBOL, PRICES[SYMBOL])
        async with _client(sim, auth, venue) as client, OrderManager(
            client, folder / f"protect-{venue}-{auth}-{number}.sqlite") as manager:
            bracket = await manager.place_bracket_order(
                SYMBOL, OrderSide.BUY, Decimal("0.002"), entry_price=Decimal("49000"),
                stop_loss_price=Decimal("47000"), take_profit_price=Decimal("53000"))
            assert not _live_stop(sim)
            sim.fill_order(SYMBOL, client_order_id=bracket.entry.client_order_id)
            started = time.perf_counter()
            await _until(lambda: _live_stop(sim))
            return time.perf_counter() - started


async def _panic_trial(number: int, folder: Path) -> float:
    async with SimulatedExchange(seed=number) as sim:
        for symbol, price in PRICES.items():
            sim.set_price(symbol, price)
        async with _client(sim, "hmac") as client, OrderManager(
            client, folder / f"panic-{number}.sqlite") as manager:
            for symbol in PRICES:
                await manager.place_market_order(symbol, OrderSide.BUY, QUANTITIES[symbol])
            for n in range(50):
                symbol = list(PRICES)[n % 3]
                below = PRICES[symbol] * (Decimal("0.90") - Decimal(n // 3) / 1000)
                await manager.place_limit_order(symbol, OrderSide.BUY, QUANTITIES[symbol],
                                                below.quantize(Decimal("0.01")))
            started = time.perf_counter()
            report = await manager.panic()
            elapsed = time.perf_counter() - started
            assert report.flat and len(report.cancelled) == 50, report.summary()
            return elapsed


async def _measure(quick: bool) -> list[dict[str, Any]]:
    trials = 3 if quick else 10
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-protection-") as name:
        folder = Path(name)
        for auth, backend, venue in (("eip712", "native", "asterdex"),
                                     ("hmac", "emulated", "asterdex"),
                                     ("hmac", "emulated", "binance")):
            seconds = [await _protection_trial(auth, n, folder, venue) for n in range(trials)]
            where = " on binance (algo orders)" if venue == "binance" else ""
            rows.append({
                "name": f"time to protection, {backend} bracket{where}",
                "value": statistics.median(seconds) * 1000, "unit": "ms",
                "note": f"entry fill to a live stop on the exchange; median of {trials}, "
                        f"max {max(seconds) * 1000:.2f} ms",
            })
        panics = [await _panic_trial(n, folder) for n in range(1 if quick else 3)]
        rows.append({
            "name": "panic, 50 orders on 3 symbols and 3 positions",
            "value": statistics.median(panics) * 1000, "unit": "ms",
            "note": f"cancel everything, flatten, halt; median of {len(panics)}",
        })
    return rows


def run(quick: bool = False) -> list[dict[str, Any]]:
    """One row per measure: `name`, `value`, `unit`, `note`."""
    return asyncio.run(_measure(quick))


if __name__ == "__main__":
    for row in run(quick_option(__doc__ or "")):
        print(f"{row['name']:<50} {row['value']:9.2f} {row['unit']}  {row['note']}")
