"""A bracket strategy: buy the dip with a limit entry, protected by a stop-loss and a
take-profit that cancel each other, on the embedded simulator.

Two trades: the first buys 0.5% under the market and the price then rallies to the
take-profit (the stop-loss is cancelled); the second enters at market and the price falls
to the stop (the take-profit is cancelled). Each is sized to risk 1% of equity. The prices
are moved by hand (`sim.set_price`) so the run is the same every time; callbacks print
what the order manager sees, and the SQLite store keeps the audit trail.

    python examples/bracket_strategy.py
"""

import asyncio
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from execution import ManagedOrder, OrderManager, OrderSide, PositionSizer, create_exchange
from execution.orders.brackets import Bracket
from execution.store import OrderStore

SYMBOL = "BTCUSDT"
STRATEGY = "dip_buyer"


def show(event: str) -> Any:
    def callback(managed: ManagedOrder) -> None:
        order = managed.order
        print(
            f"  {event:<18} {managed.role.value.lower():<11} {order.side.value} {order.quantity} "
            f"{order.order_type.name} -> {order.status.value}"
        )

    return callback


async def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Give the exchange's stream up to 10 s to bring the bracket where we expect it."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise TimeoutError(f"waited 10 s for {what}")


def protected(bracket: Bracket) -> bool:
    return bracket.stop_loss is not None and bracket.take_profit is not None


def closed(bracket: Bracket) -> bool:
    return bracket.is_done and all(not leg.is_open for leg in bracket.exits)


async def trade(
    manager: OrderManager, sim: Any, sizer: PositionSizer, entry: Decimal | None,
    path: list[Decimal],
) -> None:
    price = sim.mark_price(SYMBOL)
    reference = entry or price
    stop = reference * Decimal("0.98")
    size = sizer.risk_based(reference, stop_loss_price=stop, risk_percent=1)
    assert size.stop_price is not None and sizer.validate_position_size(size)
    take_profit = reference * Decimal("1.03")
    kind = f"limit at {entry}" if entry else "market"
    print(f"bracket: BUY {size.quantity} {SYMBOL} ({kind}), stop {size.stop_price}, "
          f"take-profit {take_profit:.1f}")
    bracket = await manager.place_bracket_order(
        SYMBOL, OrderSide.BUY, size.quantity, entry_price=entry,
        stop_loss_price=size.stop_price, take_profit_price=take_profit,
        strategy_name=STRATEGY, tags=("example",),
    )
    for step, target in enumerate(path):
        sim.set_price(SYMBOL, target)
        if step == 0:
            await wait_until(lambda: protected(bracket), "the exits to be placed")
    await wait_until(lambda: closed(bracket), "an exit to fill and the other to be cancelled")
    closing = next(leg for leg in bracket.exits if leg.order.is_filled)
    exit_price = closing.order.average_price or Decimal(0)
    entry_price = bracket.entry.order.average_price or Decimal(0)
    pnl = (exit_price - entry_price) * closing.order.filled_quantity
    print(f"closed by {closing.role.value.lower()}: gross PnL {pnl:.2f} USDT\n")


async def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        store_path = Path(scratch) / "orders.sqlite"
        async with create_exchange("simulator", seed=7) as exchange:
            sim = exchange.simulator  # type: ignore[attr-defined]
            equity = (await exchange.fetch_balance())["USDT"].available_balance
            rules = await exchange.get_symbol_rules(SYMBOL)
            await exchange.set_leverage(SYMBOL, 3)
            sizer = PositionSizer(equity, leverage=3, symbol_rules=rules)

            async with OrderManager(exchange, store=store_path) as manager:
                for event in ("order_placed", "order_filled", "order_cancelled",
                              "stop_loss_placed", "take_profit_placed"):
                    manager.on(event, show(event))

                start = sim.mark_price(SYMBOL)
                dip = (start * Decimal("0.995")).quantize(rules.tick_size)
                # 1. The dip fills the entry, then the rally reaches the take-profit.
                await trade(manager, sim, sizer, dip,
                            [dip - 10, start, dip * Decimal("1.031")])
                # 2. Market entry, then the price falls through the stop.
                now = sim.mark_price(SYMBOL)
                await trade(manager, sim, sizer, None, [now - 1, now * Decimal("0.979")])

                stats = manager.get_statistics().total
                print(f"statistics: {stats.count} orders, {stats.by_status}, fill rate "
                      f"{stats.fill_rate:.0%}, realised PnL {stats.realized_pnl:.2f}, "
                      f"fees {dict(stats.fees)}")

            history = await OrderStore(store_path).query_orders(strategy_name=STRATEGY)
            events = await OrderStore(store_path).query_events()
            print(f"order store: {len(history)} orders and {len(events)} events of {STRATEGY}")


if __name__ == "__main__":
    asyncio.run(main())
