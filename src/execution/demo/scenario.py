"""The demo's flow, on an embedded simulator, start to finish.

Connect, read the USDT balance, size a BTCUSDT long with risk-based sizing (stop 4% under
the price, 1.5% risk, 3x) next to the four other methods, validate it, enter with a market
order protected by a stop-loss and a take-profit (a bracket, one cancels the other), move
the price along a seeded random walk until one exit fills and the other is cancelled, then
report the orders, the closed position's PnL and the manager's statistics.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

from execution.demo.report import DemoReport, OrderLine, PnlSummary, PricePath, SizingLine
from execution.errors import ExecutionError
from execution.exchange.base import BaseExchange
from execution.ledger.round_trips import RoundTrip
from execution.models import Balance, OrderSide
from execution.money import format_decimal
from execution.orders.managed import ManagedOrder, OrderRole
from execution.rules import Rounding
from execution.sizing import PositionSizer, SizingResult

_HUNDRED = Decimal(100)
_BPS = Decimal(10_000)
SAMPLES = 60  # prices kept of the walk, for the equity sparkline


class DemoError(ExecutionError):
    """The demo could not complete its flow (the message says which step)."""


@dataclass(frozen=True, slots=True)
class DemoSettings:
    """The demo's knobs; the defaults are the documented scenario."""

    seed: int = 7
    symbol: str = "BTCUSDT"
    leverage: int = 3
    risk_percent: Decimal = Decimal("1.5")
    stop_distance: Decimal = Decimal("0.04")  # stop 4% under the price
    reward_ratio: Decimal = Decimal(2)  # take-profit twice the stop's distance above
    step_bps: int = 60  # each price step moves up to this many basis points
    max_steps: int = 20_000
    store_path: Path | None = None  # the order store (default: a temporary file)
    wait_seconds: float = 10.0  # longest wait for any one exchange reaction


async def run_demo(
    settings: DemoSettings | None = None, *, progress: Callable[[str], None] | None = None
) -> DemoReport:
    """Run the whole scenario and return what happened. `progress` gets a line per step."""
    settings = settings or DemoSettings()
    with tempfile.TemporaryDirectory(prefix="aster-demo-") as scratch:
        store_path = settings.store_path or Path(scratch) / "demo-orders.sqlite"
        return await _run(settings, store_path, progress)


async def _run(
    settings: DemoSettings, store_path: Path, progress: Callable[[str], None] | None
) -> DemoReport:
    from execution.exchange.factory import create_exchange
    from execution.orders.manager import OrderManager
    from execution.store import OrderStore

    symbol = settings.symbol
    report = DemoReport(
        seed=settings.seed, venue="embedded simulator", symbol=symbol, leverage=settings.leverage
    )

    def step(text: str) -> None:
        report.log(text)
        if progress is not None:
            progress(text)

    exchange: Any = create_exchange("simulator", seed=settings.seed)
    async with exchange:
        simulator = exchange.simulator
        step(f"connected to the embedded simulator at {simulator.rest_url} (seed {settings.seed})")
        before = await _usdt(exchange)
        report.balance_before = before
        step(f"USDT balance {before.wallet_balance}, available {before.available_balance}")

        mark = await exchange.fetch_mark_price(symbol)
        rules = await exchange.get_symbol_rules(symbol)
        report.mark_price = mark
        if before.available_balance is None:
            raise DemoError("the exchange did not report the available USDT balance")
        sizer = PositionSizer(
            before.available_balance, leverage=settings.leverage, symbol_rules=rules
        )
        report.sizing = _five_methods(sizer, mark, settings)
        chosen = next(line for line in report.sizing if line.chosen)
        if not chosen.valid or chosen.result.stop_price is None:
            raise DemoError("risk-based size is not valid: " + "; ".join(chosen.violations))
        size = chosen.result
        stop_price = size.stop_price
        assert stop_price is not None
        take_profit = rules.round_price(
            mark + (mark - stop_price) * settings.reward_ratio, Rounding.DOWN
        )
        step(
            f"sized {_text(size.quantity)} {symbol} at {_text(mark)}: stop {_text(stop_price)} "
            f"({_text(settings.stop_distance * _HUNDRED)}% under), risk "
            f"{size.risk_amount:.2f} USDT ({size.risk_percent:.2f}%), take-profit "
            f"{_text(take_profit)}; valid"
        )

        applied = await exchange.set_leverage(symbol, settings.leverage)
        step(f"leverage {applied}x on {symbol}")

        async with OrderManager(exchange, store=store_path) as manager:
            bracket = await manager.place_bracket_order(
                symbol,
                OrderSide.BUY,
                size.quantity,
                stop_loss_price=stop_price,
                take_profit_price=take_profit,
                strategy_name="demo",
            )
            await _wait_for(
                lambda: bracket.stop_loss is not None and bracket.take_profit is not None,
                settings.wait_seconds, "the bracket's exits to be placed",
            )
            entry = bracket.entry
            step(
                f"entered: market BUY {entry.order.filled_quantity} at "
                f"{entry.order.average_price}; stop-loss and take-profit placed (reduce-only, "
                "one cancels the other)"
            )
            held = [p for p in await exchange.get_positions(symbol) if p.quantity]
            if held and held[0].liquidation_price > 0:
                step(f"liquidation price {held[0].liquidation_price}: the stop triggers first")
            elif held:
                step("no liquidation price: the cross margin covers the whole position")
            report.price_path = await _move_price(
                simulator, symbol, rules.tick_size, mark, stop_price, take_profit, settings,
                lambda: _bracket_finished(bracket),
            )
            path = report.price_path
            step(
                f"price walked {path.steps} steps (low {path.low}, high {path.high}, "
                f"last {path.end})"
            )
            await _wait_for(lambda: _bracket_finished(bracket), settings.wait_seconds,
                            "one exit to fill and the other to be cancelled")
            legs = [bracket.entry, *bracket.exits]
            report.orders = [_order_line(m) for m in legs]
            filled_exit = next(
                (m for m in bracket.exits if m.order.is_filled), None
            )
            if filled_exit is None:
                raise DemoError("no exit filled")
            cancelled = [m for m in bracket.exits if m is not filled_exit]
            reason = "take-profit" if filled_exit.role is OrderRole.TAKE_PROFIT else "stop-loss"
            step(
                f"{reason} filled at {filled_exit.order.average_price}; "
                + ", ".join(f"{_role(m)} {m.status.value.lower()}" for m in cancelled)
            )
            report.statistics = manager.get_statistics()

        after = await _usdt(exchange)
        report.balance_after = after
        positions = await exchange.get_positions(symbol)
        trip = await _ledger_trip(exchange, store_path, symbol)
        report.pnl = _pnl(bracket.entry, filled_exit, reason, before, after, settings.leverage,
                          not positions, trip)
        report.equity = _equity(before, bracket.entry, report.price_path, after)
        step(f"position closed: net PnL {format_decimal(report.pnl.net_pnl)} USDT (the "
             f"ledger's round trip), wallet now {format_decimal(after.wallet_balance)}")

    report.stored_events = len(await OrderStore(store_path).query_events())
    return report


async def _ledger_trip(exchange: BaseExchange, store_path: Path, symbol: str) -> RoundTrip:
    """The demo's round trip from the store's account ledger, after a sync with the
    exchange's record (a fill the stream had not delivered before the stop is in it)."""
    from execution.ledger.sync import sync_ledger
    from execution.ledger.view import read_ledger
    from execution.store import OrderStore

    async with OrderStore(store_path) as store:
        await sync_ledger(exchange, store, symbols=[symbol])
        trips = [t for t in (await read_ledger(store)).round_trips(symbol) if not t.is_open]
    if len(trips) != 1:
        raise DemoError(f"the ledger has {len(trips)} closed round trips, expected one")
    return trips[0]


def _equity(before: Balance, entry: ManagedOrder, path: PricePath | None, after: Balance
            ) -> list[Decimal]:
    """The wallet plus the open position's PnL at each sampled price, then the wallet
    after: what the demo's sparkline draws."""
    start = before.wallet_balance
    if path is None:
        return [start, after.wallet_balance]
    quantity = entry.order.filled_quantity
    price = entry.order.average_price or path.start
    held = start - entry.order.commission
    return [start, *[held + (p - price) * quantity for p in path.samples],
            after.wallet_balance]


async def _usdt(exchange: BaseExchange) -> Balance:
    balances = await exchange.fetch_balance()
    if "USDT" not in balances:
        raise DemoError("the account has no USDT balance")
    return balances["USDT"]


def _five_methods(
    sizer: PositionSizer, price: Decimal, settings: DemoSettings
) -> list[SizingLine]:
    """The five methods with the reference table's inputs (SIZING.md), except risk-based,
    which uses the demo's stop and risk; that one is traded."""
    stop = price * (1 - settings.stop_distance)
    atr = sizer.atr_based(price, 800, 2)
    cases: list[tuple[str, str, SizingResult, bool]] = [
        ("fixed %", "5% of equity, no stop", sizer.fixed_percentage(price, 5), False),
        ("Kelly", "p=0.55, win 500, loss 300, half",
         sizer.kelly_criterion(price, "0.55", 500, 300, "0.5"), False),
        ("volatility", "vol 0.04, target 0.02", sizer.volatility_based(price, "0.04", "0.02"),
         False),
        ("risk-based", f"stop -{_text(settings.stop_distance * _HUNDRED)}%, risk "
         f"{_text(settings.risk_percent)}%",
         sizer.risk_based(price, stop, settings.risk_percent), True),
        ("ATR-based", f"ATR 800, x2 (stop {_text(atr.stop_price or price)}), risk "
         f"{_text(sizer.max_risk_percent)}%", atr, False),
    ]
    return [
        SizingLine(
            label, inputs, result, sizer.validate_position_size(result),
            tuple(str(v) for v in sizer.check_position_size(result)), chosen,
        )
        for label, inputs, result, chosen in cases
    ]


async def _move_price(
    simulator: Any,
    symbol: str,
    tick: Decimal,
    start: Decimal,
    stop_price: Decimal,
    take_profit: Decimal,
    settings: DemoSettings,
    finished: Callable[[], bool],
) -> PricePath:
    """Walk the price (seeded) until it crosses an exit, then wait for the exchange."""
    rng = random.Random(f"aster-demo:{settings.seed}")
    price = low = high = start
    steps = 0
    samples: list[Decimal] = []
    deadline = time.monotonic() + settings.wait_seconds * 2
    while steps < settings.max_steps and time.monotonic() < deadline:
        moved_bps = rng.randint(-settings.step_bps, settings.step_bps)
        price = _to_tick(price * (_BPS + moved_bps) / _BPS, tick)
        steps += 1
        simulator.set_price(symbol, price)
        samples.append(price)
        low, high = min(low, price), max(high, price)
        if price <= stop_price or price >= take_profit:
            break
        if steps % 20 == 0:
            await asyncio.sleep(0)  # let the stream deliver what the walk produced
    else:
        # The walk did not reach an exit in time: finish at the nearer one.
        price = take_profit if high - start >= start - low else stop_price
        simulator.set_price(symbol, price)
        samples.append(price)
        low, high = min(low, price), max(high, price)
    await _wait_for(finished, settings.wait_seconds, "an exit to fill")
    every = max(1, len(samples) // SAMPLES)
    return PricePath(start=start, low=low, high=high, end=price, steps=steps,
                     samples=tuple(samples[::every] + samples[-1:]))


def _to_tick(price: Decimal, tick: Decimal) -> Decimal:
    return (price / tick).to_integral_value(rounding=ROUND_FLOOR) * tick


def _bracket_finished(bracket: Any) -> bool:
    """An exit filled and every other exit reached a final state."""
    exits: list[ManagedOrder] = list(bracket.exits)
    return (
        bool(exits)
        and any(m.order.is_filled for m in exits)
        and all(not m.is_open for m in exits)
    )


async def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise DemoError(f"timed out after {seconds:g} s waiting for {what}")
        await asyncio.sleep(0.01)


def _text(value: Decimal) -> str:
    return format_decimal(value)


def _role(managed: ManagedOrder) -> str:
    return managed.role.value.lower().replace("_", "-")


def _order_line(managed: ManagedOrder) -> OrderLine:
    order = managed.order
    return OrderLine(
        role=managed.role.value,
        client_order_id=order.client_order_id,
        order_id=order.order_id,
        side=order.side.value,
        order_type=order.order_type.name,
        quantity=order.quantity,
        trigger_price=order.stop_price if order.stop_price is not None else order.price,
        status=order.status.value,
        filled_quantity=order.filled_quantity,
        average_price=order.average_price,
        commission=order.commission,
        reduce_only=order.reduce_only,
    )


def _pnl(
    entry: ManagedOrder,
    exit_order: ManagedOrder,
    reason: str,
    before: Balance,
    after: Balance,
    leverage: int,
    position_closed: bool,
    trip: RoundTrip,
) -> PnlSummary:
    """The closed position's PnL: the account ledger's round trip (the exchange's fills,
    fees and funding), beside the wallet's change."""
    quantity = trip.quantity
    entry_price = trip.entry_price
    exit_price = trip.exit_price or Decimal(0)
    direction = 1 if entry.order.side is OrderSide.BUY else -1
    if trip.gross_pnl is None or trip.fees is None or trip.net_pnl is None:
        raise DemoError("the ledger does not know the round trip's PnL")
    gross, fees, net = trip.gross_pnl, trip.fees, trip.net_pnl
    margin = quantity * entry_price / Decimal(leverage)
    roe = (net / margin * _HUNDRED).quantize(Decimal("0.01")) if margin else Decimal(0)
    return PnlSummary(
        symbol=entry.order.symbol,
        side="LONG" if direction == 1 else "SHORT",
        quantity=quantity,
        entry_price=entry_price,
        exit_price=exit_price,
        exit_reason=reason,
        gross_pnl=gross,
        fees=fees,
        net_pnl=net,
        wallet_change=after.wallet_balance - before.wallet_balance,
        return_on_margin_percent=roe,
        position_closed=position_closed,
        funding=trip.funding,
    )
