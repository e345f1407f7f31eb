"""The soak's driver process: a strategy-like loop of places, modifies and cancels.

    python -m bench.soak.driver --rest-url URL --rest-url URL2 --ws-url WS --db PATH
        --seed N --concurrency K --state PATH
    (credentials in the environment: ASTER_API_KEY/SECRET for v1 (HMAC), or ASTER_USER,
    ASTER_SIGNER and ASTER_PRIVATE_KEY for v3 (EIP-712))

It talks to its supervisor by lines: on stdout `READY {...}`, one `PLACED` per placement
call, `ERROR <class>` per typed error, `UNEXPECTED <text>` per other exception, `LOG ...`
per client warning, `CLOCK_STEPPED ...` per clock step, and at the end `STATE <path>` and
`DONE`; on stdin `CLOCK <ms>` steps its clock and `FINISH` asks it to stop placing,
settle, write what its manager knows to the state file, stop cleanly and exit
(`bench.soak.control`). It may be killed (SIGKILL) at any moment before that.

On the bracket symbol it places brackets only (and cancels entries, and flattens), so
every position there comes from a bracket entry; the other symbols get everything.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import sys
import time
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.soak.config import BASE_QUANTITY, BRACKET_SYMBOL, DRIVER_PREFIX, SYMBOLS
from bench.soak.control import ClockStepper, install_log_counter, read_commands, say
from execution.errors import ExecutionError, RateLimitError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus, OrderType, TimeInForce
from execution.orders.managed import OrderRole
from execution.orders.manager import OrderManager

logger = logging.getLogger("bench.soak.driver")

OPEN_ORDERS_SOFT_LIMIT = 40  # per symbol: above it the driver prefers cancelling
SETTLE_TIMEOUT = 45.0
# The manager's horizon for unknown outcomes: past the longest late execution injected (10 s).
UNKNOWN_HORIZON = 12.0


class Driver:
    """Places, modifies and cancels orders at random through one `OrderManager`."""

    def __init__(self, manager: OrderManager, rng: random.Random) -> None:
        self.manager = manager
        self.rng = rng
        self.stopping = False
        self.placements = 0
        self.errors: Counter[str] = Counter()
        self.unexpected = 0

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
        await self.manager.modify_order(
            managed.client_order_id, new_price=price * (1 + step), new_quantity=new_quantity
        )

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

    # -- loop ----------------------------------------------------------------------------------

    def _choose(self, symbol: str) -> Callable[[str], Awaitable[None]]:
        if symbol == BRACKET_SYMBOL:  # brackets only: every position here is bracketed
            if len(self.manager.open_orders(symbol)) > OPEN_ORDERS_SOFT_LIMIT:
                return self.flatten
            return self.rng.choices(
                (self.place_bracket, self.cancel_random, self.flatten), (5, 4, 1)
            )[0]
        if len(self.manager.open_orders(symbol)) > OPEN_ORDERS_SOFT_LIMIT:
            return self.rng.choice((self.cancel_random, self.cancel_random, self.cancel_all))
        actions: list[tuple[Callable[[str], Awaitable[None]], int]] = [
            (self.place_resting_limit, 26),
            (self.place_marketable_limit, 8),
            (self.place_market, 8),
            (self.place_bracket, 16),
            (self.modify_random, 16),
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


# -- start, settle, dump ------------------------------------------------------------------------


async def start_manager(args: argparse.Namespace) -> tuple[AsterDEXExchange, OrderManager, int]:
    """Connect and start the manager (client order ids `args.prefix`-..., adopting unknown
    orders when `args.adopt`), retrying while faults get in the way."""
    attempts = 0
    while True:
        attempts += 1
        exchange = AsterDEXExchange(
            None, rest_urls=args.rest_url, ws_url=args.ws_url, dotenv_path=None, timeout=5.0
        )
        manager: OrderManager | None = None
        try:
            await exchange.connect()
            manager = OrderManager(
                exchange, args.db, poll_interval=0.5, pending_grace=UNKNOWN_HORIZON,
                adopt_unknown=args.adopt, client_order_id_prefix=args.prefix,
            )
            await manager.start()
            return exchange, manager, attempts
        except ExecutionError as exc:
            logger.warning("start attempt %d failed: %s", attempts, exc)
            if manager is not None:
                with contextlib.suppress(Exception):
                    await manager.stop()
            with contextlib.suppress(Exception):
                await exchange.close()
            await asyncio.sleep(min(2.0, 0.2 * attempts))


def _unsettled(manager: OrderManager) -> list[str]:
    """Orders in flight, and "reconciliation" while what the start could not read (a ban
    during it) is still to be read again."""
    pending = (OrderStatus.PENDING_NEW, OrderStatus.PENDING_CANCEL)
    unsettled = [m.client_order_id for m in manager.orders if m.status in pending]
    report = manager.last_reconciliation
    if report is not None and report.unfinished:
        unsettled.append("reconciliation")
    return unsettled


async def settle(exchange: AsterDEXExchange, manager: OrderManager,
                 limit: float = SETTLE_TIMEOUT) -> None:
    """Wait (at most `limit` seconds) until the stream is up, nothing is in flight and
    nothing changed for a second and a half."""
    deadline = time.monotonic() + limit
    quiet_since = time.monotonic()
    last: tuple[Any, ...] = ()
    while time.monotonic() < deadline:
        snapshot = tuple(
            (m.client_order_id, m.status, m.filled_quantity) for m in manager.orders
        )
        busy = bool(_unsettled(manager)) or not exchange.user_stream_connected
        if busy or snapshot != last:
            quiet_since = time.monotonic()
            last = snapshot
        elif time.monotonic() - quiet_since >= 1.5:
            return
        await asyncio.sleep(0.1)
    logger.warning("not settled after %.0fs: %s", limit, _unsettled(manager)[:20])


def manager_state(manager: OrderManager, driver: Driver, start_attempts: int) -> dict[str, Any]:
    return {
        "orders": {
            m.client_order_id: {
                "order_id": m.order_id,
                "symbol": m.symbol,
                "side": m.order.side.value,
                "status": m.status.value,
                "filled": str(m.filled_quantity),
                "role": m.role.value,
                "adopted": m.adopted,
            }
            for m in manager.orders
        },
        "positions": {s: str(p.quantity) for s, p in manager.positions.items()},
        "placements": driver.placements,
        "errors": dict(driver.errors),
        "unexpected": driver.unexpected,
        "start_attempts": start_attempts,
    }


async def main(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    install_log_counter()
    exchange, manager, attempts = await start_manager(args)
    stepper = ClockStepper(exchange)
    report = manager.last_reconciliation
    say("READY " + json.dumps({
        "start_attempts": attempts,
        "reconciliation": report.summary() if report else "",
        "clock": stepper.mode,
    }))
    driver = Driver(manager, rng)
    workers = [asyncio.create_task(driver.worker()) for _ in range(args.concurrency)]
    await read_commands(stepper, on_pause=lambda: setattr(driver, "stopping", True))
    stepper.set(0)
    driver.stopping = True
    await asyncio.gather(*workers)
    await settle(exchange, manager)
    await manager.stop()
    state = manager_state(manager, driver, attempts)
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
