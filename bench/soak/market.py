"""A moving market for the soak: prices walk around their start (so stops and take-profits
trigger) and a counterparty fills resting limit orders of the driver, in part or in full
(never those of the second process: it must end with no position)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from decimal import ROUND_DOWN, Decimal

from bench.soak.background import Background
from bench.soak.config import SECOND_PREFIX, SYMBOLS
from execution.simulator import SimulatedExchange
from execution.simulator.api import ApiError

TICK: dict[str, Decimal] = {
    "BTCUSDT": Decimal("0.1"), "ETHUSDT": Decimal("0.01"), "SOLUSDT": Decimal("0.01")
}
STEP: dict[str, Decimal] = {
    "BTCUSDT": Decimal("0.001"), "ETHUSDT": Decimal("0.001"), "SOLUSDT": Decimal("0.01")
}


def _round_to(value: Decimal, unit: Decimal) -> Decimal:
    return (value / unit).to_integral_value(ROUND_DOWN) * unit


class MarketMover(Background):
    """Random-walks prices around their start and fills resting limit orders."""

    task_name = "soak-market"

    def __init__(self, sim: SimulatedExchange, rng: random.Random, *, period: float = 0.1,
                 fill_probability: float = 0.5, accounts: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.sim = sim
        # whose resting orders the counterparty fills (default: the simulator's first)
        self.accounts = accounts or (sim.account.account_id,)
        self.rng = rng
        self.period = period
        self.fill_probability = fill_probability
        self.start_prices = {s: sim.mark_price(s) for s in SYMBOLS}
        self.prices = dict(self.start_prices)
        self.fills = 0


    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.period)
            self.tick()

    def tick(self) -> None:
        for symbol in SYMBOLS:
            start, price = self.start_prices[symbol], self.prices[symbol]
            move = Decimal(str(round(self.rng.gauss(0.0, 0.0015), 6)))
            price = price * (1 + move) + (start - price) * Decimal("0.03")
            price = max(_round_to(price, TICK[symbol]), TICK[symbol])
            self.prices[symbol] = price
            self.sim.set_price(symbol, price)
        if self.rng.random() < self.fill_probability:
            self._fill_one()

    def _fill_one(self) -> None:
        account_id = self.rng.choice(self.accounts)
        resting = [
            o for o in self.sim.engine.private(account_id, "GET", "openOrders", {})
            if o.get("type") == "LIMIT"
            and not str(o.get("clientOrderId", "")).startswith(SECOND_PREFIX + "-")
        ]
        if not resting:
            return
        order = self.rng.choice(resting)
        symbol = order["symbol"]
        remaining = Decimal(order["origQty"]) - Decimal(order["executedQty"])
        quantity = remaining
        if self.rng.random() < 0.5:
            quantity = _round_to(remaining / 2, STEP[symbol]) or remaining
        with contextlib.suppress(ApiError):
            self.sim.fill_order(symbol, order_id=int(order["orderId"]), quantity=quantity,
                                account=account_id)
            self.fills += 1
