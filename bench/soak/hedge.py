"""The soak's hedge-mode account: a second account of the simulator in hedge mode (the
position mode is account-wide), traded by a second order manager inside every driver
life, on its own store next to the main one.

Its orders are plain orders on a leg (`positionSide` LONG or SHORT): market orders that
open a leg, resting limits on a leg (some in batches), reduce-only orders on a leg's
closing side (sent without `reduceOnly`, the docs), native modifies of its resting limits,
and cancels. It is verified as the main account is (`verify_hedge`): no duplicate, none
lost, every order's status and fills the same on the exchange, in the manager and in the
store, and each leg's position equal to the store's fills on that leg.
"""

from __future__ import annotations

import os
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.soak.config import BASE_QUANTITY
from execution.auth import Credentials, Eip712Credentials, HmacCredentials
from execution.exchange.parsing import parse_positions
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderStatus, OrderType, PositionSide, TimeInForce
from execution.orders.manager import OrderManager
from execution.secrets import Secret
from execution.simulator import SimAccount, SimulatedExchange
from execution.store import OrderStore

HEDGE_PREFIX = "oh"  # the hedge manager's client order ids
HEDGE_SYMBOLS = ("ETHUSDT", "SOLUSDT")
ENV_PREFIX = "SOAK_HEDGE_"  # its credentials in the driver's environment
_LEGS = (PositionSide.LONG, PositionSide.SHORT)
ZERO = Decimal(0)


def hedge_account() -> SimAccount:
    return SimAccount.generate("soak-hedge", balances={"USDT": Decimal("1000000")})


def set_hedge_mode(sim: SimulatedExchange, account: SimAccount) -> None:
    sim.engine.private(account.account_id, "POST", "positionSide/dual",
                       {"dualSidePosition": "true"})


def hedge_env(account: SimAccount, auth: str) -> dict[str, str]:
    """The hedge account's credentials of scheme `auth` as `SOAK_HEDGE_*` variables."""
    if auth == "v3":
        assert account.user and account.signer and account.signer_private_key
        return {ENV_PREFIX + "USER": account.user, ENV_PREFIX + "SIGNER": account.signer,
                ENV_PREFIX + "PRIVATE_KEY": account.signer_private_key}
    assert account.api_key and account.api_secret
    return {ENV_PREFIX + "API_KEY": account.api_key,
            ENV_PREFIX + "API_SECRET": account.api_secret}


def credentials_from_env() -> Credentials | None:
    """The hedge account's credentials a driver was given (None: no hedge account)."""
    env = os.environ
    if ENV_PREFIX + "USER" in env:
        return Eip712Credentials(env[ENV_PREFIX + "USER"], env[ENV_PREFIX + "SIGNER"],
                                 Secret(env[ENV_PREFIX + "PRIVATE_KEY"]))
    if ENV_PREFIX + "API_KEY" in env:
        return HmacCredentials(env[ENV_PREFIX + "API_KEY"],
                               Secret(env[ENV_PREFIX + "API_SECRET"]))
    return None


def hedge_db(db: Path) -> Path:
    return db.with_name("hedge-" + db.name)


class HedgeActions:
    """The hedge manager's order mix (called by the driver's workers)."""

    def __init__(self, manager: OrderManager, rng: random.Random, placed: Any,
                 batched: Any, modified: Any) -> None:
        self.manager = manager
        self.rng = rng
        self._placed, self._batched, self._modified = placed, batched, modified

    def _leg(self) -> PositionSide:
        return self.rng.choice(_LEGS)

    def _quantity(self, symbol: str) -> Decimal:
        return BASE_QUANTITY[symbol] * self.rng.randint(1, 3)

    async def _resting(self, symbol: str) -> OrderIntent:
        """An opening limit on a leg, away from the market (BUY LONG below, SELL SHORT
        above)."""
        mark = await self.manager.exchange.fetch_mark_price(symbol)
        leg = self._leg()
        away = Decimal(str(round(self.rng.uniform(0.004, 0.03), 5)))
        side = OrderSide.BUY if leg is PositionSide.LONG else OrderSide.SELL
        price = mark * (1 - away) if side is OrderSide.BUY else mark * (1 + away)
        return OrderIntent(symbol, side, OrderType.LIMIT, self._quantity(symbol), price=price,
                           time_in_force=TimeInForce.GTC, position_side=leg)

    async def open_leg(self, symbol: str) -> None:
        leg = self._leg()
        side = OrderSide.BUY if leg is PositionSide.LONG else OrderSide.SELL
        self._placed()
        await self.manager.place_order(OrderIntent(
            symbol, side, OrderType.MARKET, self._quantity(symbol), position_side=leg),
            strategy_name="soak-hedge")

    async def rest(self, symbol: str) -> None:
        intent = await self._resting(symbol)
        self._placed()
        await self.manager.place_order(intent, strategy_name="soak-hedge", tags=("resting",))

    async def batch(self, symbol: str) -> None:
        intents = [await self._resting(symbol) for _ in range(self.rng.randint(2, 7))]
        self._batched(len(intents))
        for _ in intents:
            self._placed()
        await self.manager.place_batch(intents, strategy_name="soak-hedge-batch")

    async def reduce_leg(self, symbol: str) -> None:
        """A reduce-only market order on the closing side of a leg with a position."""
        held = [p for p in await self.manager.exchange.get_positions(symbol)
                if p.symbol == symbol and p.quantity != 0
                and p.position_side is not PositionSide.BOTH]
        if not held:
            await self.open_leg(symbol)
            return
        position = self.rng.choice(held)
        side = OrderSide.SELL if position.position_side is PositionSide.LONG else OrderSide.BUY
        quantity = abs(position.quantity)
        if self.rng.random() < 0.5 and quantity > BASE_QUANTITY[symbol]:
            quantity = BASE_QUANTITY[symbol]
        self._placed()
        await self.manager.place_order(OrderIntent(
            symbol, side, OrderType.MARKET, quantity, reduce_only=True,
            position_side=position.position_side), strategy_name="soak-hedge-close")

    async def modify(self, symbol: str) -> None:
        candidates = [m for m in self.manager.open_orders(symbol)
                      if m.order.order_type is OrderType.LIMIT
                      and m.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)]
        if not candidates:
            await self.rest(symbol)
            return
        managed = self.rng.choice(candidates)
        price = managed.order.price
        assert price is not None
        step = Decimal(str(round(self.rng.uniform(-0.002, 0.002), 5)))
        result = await self.manager.modify_order(managed.client_order_id,
                                                 new_price=price * (1 + step))
        self._modified(result.client_order_id == managed.client_order_id)

    async def cancel(self, symbol: str) -> None:
        candidates = [m for m in self.manager.open_orders(symbol)
                      if m.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)]
        if not candidates:
            await self.rest(symbol)
            return
        await self.manager.cancel_order(self.rng.choice(candidates).client_order_id)

    def choose(self) -> tuple[Any, str]:
        symbol = self.rng.choice(HEDGE_SYMBOLS)
        if len(self.manager.open_orders(symbol)) > 30:
            return self.cancel, symbol
        actions = ((self.open_leg, 10), (self.rest, 14), (self.batch, 8),
                   (self.reduce_leg, 10), (self.modify, 14), (self.cancel, 12))
        chosen = self.rng.choices([a for a, _ in actions], [w for _, w in actions])[0]
        return chosen, symbol


def leg_positions(sim: SimulatedExchange, account_id: str) -> dict[str, Decimal]:
    """The account's positions per "SYMBOL LEG" (signed: a short leg negative)."""
    raw = sim.engine.private(account_id, "GET", "positionRisk", {})
    return {f"{p.symbol} {p.position_side.value}": p.quantity
            for p in parse_positions(raw) if p.quantity != 0}


async def stored_legs(db: Path) -> tuple[dict[str, tuple[str, str, Decimal]],
                                          dict[str, Decimal]]:
    """The store's orders (order id, status, filled) and its fills summed per leg."""
    orders: dict[str, tuple[str, str, Decimal]] = {}
    implied: dict[str, Decimal] = {}
    async with OrderStore(db) as store:
        for m in await store.query_orders():
            orders[m.client_order_id] = (m.order_id, m.status.value, m.filled_quantity)
            leg = m.attributes.get("position_side", PositionSide.BOTH.value)
            key = f"{m.symbol} {leg}"
            signed = m.filled_quantity if m.order.side is OrderSide.BUY else -m.filled_quantity
            implied[key] = implied.get(key, ZERO) + signed
    return orders, {k: v for k, v in implied.items() if v != 0}
