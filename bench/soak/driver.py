"""The soak's driver process: a strategy-like loop of places, modifies and cancels.

    python -m bench.soak.driver --rest-url URL --rest-url URL2 --ws-url WS --db PATH
        --seed N --concurrency K --state PATH
    (credentials in the environment: ASTER_API_KEY/SECRET for v1 (HMAC), or ASTER_USER,
    ASTER_SIGNER and ASTER_PRIVATE_KEY for v3 (EIP-712))

It talks to its supervisor by lines: on stdout `READY {...}`, one `PLACED` per placement
call, `BATCH <legs>` per batch, `MODIFIED native|replaced` per modify (in place, or
cancel-and-replace), `ERROR <class>` per typed error, `UNEXPECTED <text>` per other
exception, `LOG ...` per client warning, `CLOCK_STEPPED ...` per clock step, and at the
end `STATE <path>` and `DONE`; on stdin `CLOCK <ms>` steps its clock and `FINISH` asks it
to stop placing, settle, write what its manager knows to the state file, stop cleanly and
exit (`bench.soak.control`). It may be killed (SIGKILL) at any moment before that.

On the bracket symbol it places brackets only (and cancels entries, and flattens), so
every position there comes from a bracket entry; the other symbols get everything
(batches and native modifies included). Given `SOAK_HEDGE_*` credentials it also trades a
hedge-mode account through a second manager (`bench.soak.hedge`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import sys
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.soak.config import BASE_QUANTITY, BRACKET_SYMBOL, DRIVER_PREFIX, SYMBOLS
from bench.soak.control import ClockStepper, install_log_counter, read_commands, say
from bench.soak.hedge import HEDGE_PREFIX, HedgeActions, credentials_from_env, hedge_db
from bench.soak.settling import manager_state, settle, start_manager
from execution.errors import ExecutionError, RateLimitError
from execution.exchange.asterdex import AsterDEXExchange
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderStatus, OrderType, TimeInForce
from execution.orders.managed import OrderRole
from execution.orders.manager import OrderManager

logger = logging.getLogger("bench.soak.driver")

OPEN_ORDERS_SOFT_LIMIT = 40  # per symbol: above it the driver prefers cancelling
HEDGE_SHARE = 0.3  # of the workers' turns: an action of the hedge-mode account


class Driver:
    """Places, modifies and cancels orders at random through one `OrderManager`."""

    def __init__(self, manager: OrderManager, rng: random.Random,
                 hedge: OrderManager | None = None) -> None:
        self.manager = manager
        self.rng = rng
        self.stopping = False
        self.placements = 0
        self.errors: Counter[str] = Counter()
        self.unexpected = 0
        self.moved_stops: set[str] = set()  # brackets whose stop this life moved
        self.hedge = None if hedge is None else HedgeActions(
            hedge, rng, self._placed, self._batched, self._modified)

    # -- prices and sizes ---------------------------------------------------------------------

    async def _mark(self, symbol: str) -> Decimal:
        return await self.manager.exchange.fetch_mark_price(symbol)

    def _quantity(self, symbol: str) -> Decimal:
        return BASE_QUANTITY[symbol] * self.rng.randint(1, 4)

    def _away(self, mark: Decimal, low: float, high: float) -> Decimal:
        """`mark` moved by a random fraction in [low, high] (negative: below)."""
        fraction = Decimal(str(round(self.rng.uniform(low, high), 5)))
        return mark * (1 + fraction)

    # -- actions -----------------------------------------------------------------------------

    async def place_resting_limit(self, symbol: str) -> None:
        mark = await self._mark(symbol)
        side = self.rng.choice((OrderSide.BUY, OrderSide.SELL))
        price = self._away(mark, -0.03, -0.004) if side is OrderSide.BUY else self._away(
            mark, 0.004, 0.03
        )
        self._placed()
        await self.manager.place_limit_order(
            symbol, side, self._quantity(symbol), price, strategy_name="soak-maker",
            tags=("resting",),
        )

    async def place_marketable_limit(self, symbol: str) -> None:
        mark = await self._mark(symbol)
        side = self.rng.choice((OrderSide.BUY, OrderSide.SELL))
        price = self._away(mark, 0.002, 0.006) if side is OrderSide.BUY else self._away(
            mark, -0.006, -0.002
        )
        tif = self.rng.choice((TimeInForce.GTC, TimeInForce.IOC))
        self._placed()
        await self.manager.place_limit_order(
            symbol, side, self._quantity(symbol), price, time_in_force=tif,
            strategy_name="soak-taker",
        )

    async def place_market(self, symbol: str) -> None:
        side = self.rng.choice((OrderSide.BUY, OrderSide.SELL))
        self._placed()
        await self.manager.place_market_order(
            symbol, side, self._quantity(symbol), strategy_name="soak-taker"
        )

    async def place_bracket(self, symbol: str) -> None:
        mark = await self._mark(symbol)
        side = self.rng.choice((OrderSide.BUY, OrderSide.SELL))
        # On the bracket symbol the exits are near, so that brackets end by themselves
        # (the open ones stay well under the exchange's 100 conditional orders a symbol).
        low, high = (0.003, 0.008) if symbol == BRACKET_SYMBOL else (0.01, 0.02)
        below, above = self._away(mark, -high, -low), self._away(mark, low, high)
        stop, profit = (below, above) if side is OrderSide.BUY else (above, below)
        entry: Decimal | None = None  # half market entries, half limit entries near the mark
        if self.rng.random() < 0.5:
            near = (-0.003, 0.0) if side is OrderSide.BUY else (0.0, 0.003)
            entry = self._away(mark, *near)
        self._placed()
        await self.manager.place_bracket_order(
            symbol, side, self._quantity(symbol), entry_price=entry, stop_loss_price=stop,
            take_profit_price=profit, strategy_name="soak-bracket",
        )

    async def move_stop(self, symbol: str) -> None:
        """Move a working bracket's stop a little (never through the mark): the bracket
        must keep exactly that stop, whatever the exchange is doing meanwhile (a slow
        exchange once let the cancel's sync put the old stop back)."""
        live = [b for b in self.manager.brackets.values() if b.entry.symbol == symbol
                and not b.is_done and b.stop_loss is not None and b.stop_loss.is_open
                and b.stop_loss.order.order_id and b.stop_loss.order.stop_price]
        if not live:
            await self.place_bracket(symbol)
            return
        bracket = self.rng.choice(live)
        stop = bracket.stop_loss
        assert stop is not None and stop.order.stop_price is not None
        mark = await self._mark(symbol)
        moved = self._away(stop.order.stop_price, -0.002, 0.002)
        if stop.order.side is OrderSide.SELL:  # a long's stop: under the mark
            moved = min(moved, mark * Decimal("0.997"))
        else:
            moved = max(moved, mark * Decimal("1.003"))
        await self.manager.modify_order(stop.client_order_id, new_price=moved)
        self.moved_stops.add(bracket.bracket_id)
        say("MODIFIED stop")

    def _open_singles(self, symbol: str) -> list[Any]:
        return [
            m for m in self.manager.open_orders(symbol)
            if m.role is OrderRole.SINGLE and m.order.order_type is OrderType.LIMIT
            and m.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)
        ]

    async def modify_random(self, symbol: str) -> None:
        candidates = self._open_singles(symbol)
        if not candidates:
            await self.place_resting_limit(symbol)
            return
        managed = self.rng.choice(candidates)
        price = managed.order.price or await self._mark(symbol)
        step = Decimal(str(round(self.rng.uniform(-0.002, 0.002), 5)))
        new_quantity = None
        if self.rng.random() < 0.3:
            new_quantity = managed.order.quantity + BASE_QUANTITY[symbol]
        result = await self.manager.modify_order(
            managed.client_order_id, new_price=price * (1 + step), new_quantity=new_quantity
        )
        self._modified(result.client_order_id == managed.client_order_id)

    async def place_batch(self, symbol: str) -> None:
        """2 to 7 resting limits through `place_batch` (one or two batchOrders requests)."""
        mark = await self._mark(symbol)
        intents = []
        for _ in range(self.rng.randint(2, 7)):
            side = self.rng.choice((OrderSide.BUY, OrderSide.SELL))
            price = (self._away(mark, -0.03, -0.004) if side is OrderSide.BUY
                     else self._away(mark, 0.004, 0.03))
            intents.append(OrderIntent(symbol, side, OrderType.LIMIT, self._quantity(symbol),
                                       price=price, time_in_force=TimeInForce.GTC))
            self._placed()
        self._batched(len(intents))
        await self.manager.place_batch(intents, strategy_name="soak-batch", tags=("resting",))

    async def cancel_random(self, symbol: str) -> None:
        candidates = [
            m for m in self.manager.open_orders(symbol)
            if m.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)
            and (symbol != BRACKET_SYMBOL or m.role in (OrderRole.SINGLE, OrderRole.ENTRY))
        ]
        if not candidates:
            # Something to cancel next time; on the bracket symbol a bracket, never a plain
            # order a counterparty could fill into a position no stop was meant to cover.
            if symbol == BRACKET_SYMBOL:
                await self.place_bracket(symbol)
            else:
                await self.place_resting_limit(symbol)
            return
        managed = self.rng.choice(candidates)
        await self.manager.cancel_order(managed.client_order_id)

    async def cancel_all(self, symbol: str) -> None:
        await self.manager.cancel_all_orders(symbol)

    async def flatten(self, symbol: str) -> None:
        for position in await self.manager.exchange.get_positions(symbol):
            if position.symbol != symbol or position.quantity == 0:
                continue
            side = OrderSide.SELL if position.quantity > 0 else OrderSide.BUY
            self._placed()
            await self.manager.place_market_order(
                symbol, side, abs(position.quantity), reduce_only=True,
                strategy_name="soak-flatten",
            )

    def _placed(self) -> None:
        self.placements += 1
        say("PLACED")

    @staticmethod
    def _batched(legs: int) -> None:
        say(f"BATCH {legs}")

    @staticmethod
    def _modified(in_place: bool) -> None:
        say("MODIFIED " + ("native" if in_place else "replaced"))

    # -- loop ----------------------------------------------------------------------------------

    def _choose(self, symbol: str) -> Callable[[str], Awaitable[None]]:
        if symbol == BRACKET_SYMBOL:  # brackets only: every position here is bracketed
            if len(self.manager.open_orders(symbol)) > OPEN_ORDERS_SOFT_LIMIT:
                return self.flatten
            return self.rng.choices(
                (self.place_bracket, self.cancel_random, self.flatten, self.move_stop),
                (5, 4, 1, 2)
            )[0]
        if len(self.manager.open_orders(symbol)) > OPEN_ORDERS_SOFT_LIMIT:
            return self.rng.choice((self.cancel_random, self.cancel_random, self.cancel_all))
        actions: list[tuple[Callable[[str], Awaitable[None]], int]] = [
            (self.place_resting_limit, 26),
            (self.place_marketable_limit, 8),
            (self.place_market, 8),
            (self.place_bracket, 16),
            (self.modify_random, 16),
            (self.place_batch, 8),
            (self.cancel_random, 20),
            (self.cancel_all, 2),
            (self.flatten, 4),
        ]
        chosen: Callable[[str], Awaitable[None]] = self.rng.choices(
            [function for function, _ in actions], [weight for _, weight in actions]
        )[0]
        return chosen

    async def worker(self) -> None:
        while not self.stopping:
            symbol = self.rng.choice(SYMBOLS)
            action = self._choose(symbol)
            if self.hedge is not None and self.rng.random() < HEDGE_SHARE:
                action, symbol = self.hedge.choose()
            try:
                await action(symbol)
            except ExecutionError as exc:
                self.errors[type(exc).__name__] += 1
                say(f"ERROR {type(exc).__name__}")
                if isinstance(exc, RateLimitError):  # as a strategy would: wait it out
                    await asyncio.sleep(min(exc.retry_after or 1.0, 5.0))
                if self.rng.random() < 0.05:
                    logger.info("%s on %s: %s", action.__name__, symbol, exc)
            except Exception as exc:
                self.unexpected += 1
                logger.error("unexpected error in %s:\n%s", action.__name__,
                             traceback.format_exc())
                say(f"UNEXPECTED {action.__name__}: {type(exc).__name__}: {exc}"[:300])
                await asyncio.sleep(0.05)


def moved_stops(manager: OrderManager, moved: set[str]) -> dict[str, Any]:
    """Of each bracket whose stop was moved and is still working: its price (the moved
    one) and the triggers of its live stops, for `verify` (exactly one, at that price)."""
    report: dict[str, Any] = {}
    for bracket_id in sorted(moved):
        bracket = manager.brackets.get(bracket_id)
        if bracket is None or bracket.is_done:
            continue
        report[bracket_id] = {
            "status": bracket.status.value,
            "price": str(bracket.stop_loss_price),
            "live": [str(x.order.stop_price) for x in bracket.exits
                     if x.role is OrderRole.STOP_LOSS and x.is_open],
        }
    return report


async def main(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    install_log_counter()
    exchange, manager, attempts = await start_manager(args)
    hedge: tuple[AsterDEXExchange, OrderManager, int] | None = None
    hedge_credentials = credentials_from_env()
    if hedge_credentials is not None:  # the hedge-mode account, on a store of its own
        hedge = await start_manager(args, hedge_credentials, str(hedge_db(Path(args.db))),
                                    HEDGE_PREFIX)
    stepper = ClockStepper(exchange)
    report = manager.last_reconciliation
    say("READY " + json.dumps({
        "start_attempts": attempts,
        "reconciliation": report.summary() if report else "",
        "clock": stepper.mode,
    }))
    driver = Driver(manager, rng, hedge[1] if hedge else None)
    workers = [asyncio.create_task(driver.worker()) for _ in range(args.concurrency)]
    await read_commands(stepper, on_pause=lambda: setattr(driver, "stopping", True))
    stepper.set(0)
    driver.stopping = True
    await asyncio.gather(*workers)
    await settle(exchange, manager)
    if hedge is not None:
        await settle(hedge[0], hedge[1])
        await hedge[1].stop()
    await manager.stop()
    state = manager_state(manager, attempts, placements=driver.placements,
                          errors=dict(driver.errors), unexpected=driver.unexpected,
                          moved_stops=moved_stops(manager, driver.moved_stops))
    if hedge is not None:
        state["hedge"] = manager_state(hedge[1], hedge[2])
        await hedge[0].close()
    await asyncio.to_thread(Path(args.state).write_text, json.dumps(state))
    await exchange.close()
    say(f"STATE {args.state}")
    say("DONE")
    return 0


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak.driver")
    parser.add_argument("--rest-url", action="append", required=True)
    parser.add_argument("--ws-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--log", default=None)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--prefix", default=DRIVER_PREFIX, help="client order id prefix")
    parser.add_argument("--no-adopt", dest="adopt", action="store_false",
                        help="do not adopt orders the manager does not know")
    return parser.parse_args(argv)


def configure_logging(arguments: argparse.Namespace) -> None:
    """The log file (warnings, or everything with --verbose)."""
    logging.basicConfig(
        filename=arguments.log,
        level=logging.INFO if arguments.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not arguments.verbose:
        for handler in logging.getLogger().handlers:
            handler.setLevel(logging.WARNING)


if __name__ == "__main__":
    arguments = parse_arguments()
    configure_logging(arguments)
    sys.exit(asyncio.run(main(arguments)))
