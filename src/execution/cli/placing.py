"""One order from the CLI, always through an `OrderManager`: the one path of an order.

With `--store` the manager records the order in that file; without, it keeps it in memory
for the life of the command. Either way every check the library makes applies (symbol,
filters, the trigger's side of the market, reduce-only against the position, the guards),
and whatever was rounded is said, with the rule, before anything is sent.
"""

from __future__ import annotations

from pathlib import Path

from execution.cli.connect import Connection
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.cli.safety import announce
from execution.exchange.base import BaseExchange
from execution.models import Order, WorkingType
from execution.money import format_decimal
from execution.orders.manager import OrderManager
from execution.orders.validation import MARKET_QUANTITY_TYPES, OrderIntent
from execution.rules import SymbolRules, safe_price_rounding


def describe(intent: OrderIntent) -> str:
    """"BUY 0.001 BTCUSDT LIMIT @ 40000.0 reduce-only" (what is about to be sent)."""
    text = f"{intent.side.value} {format_decimal(intent.quantity)} {intent.symbol} "
    text += intent.order_type.exchange_type
    if intent.price is not None:
        text += f" @ {format_decimal(intent.price)}"
    if intent.stop_price is not None:
        text += f" stop {format_decimal(intent.stop_price)}"
    if intent.reduce_only:
        text += " reduce-only"
    return text


def rounding_notices(asked: OrderIntent, checked: OrderIntent, rules: SymbolRules) -> list[str]:
    """One line for every figure the exchange's rules changed, naming the rule."""
    notices = []
    if checked.quantity != asked.quantity:
        market = asked.order_type in MARKET_QUANTITY_TYPES
        notices.append(
            f"quantity {format_decimal(asked.quantity)} rounded down to "
            f"{format_decimal(checked.quantity)} (step size {rules.quantity_step(market)}: "
            "never more than asked)"
        )
    direction = safe_price_rounding(asked.side).value
    why = "never a worse price, never a looser stop"
    for name, before, after in (("price", asked.price, checked.price),
                                ("stop price", asked.stop_price, checked.stop_price)):
        if before is not None and after is not None and before != after:
            notices.append(
                f"{name} {format_decimal(before)} rounded {direction} to "
                f"{format_decimal(after)} (tick size {rules.tick_size}; a {asked.side.value} "
                f"rounds {direction}: {why})"
            )
    return notices


async def place_order(
    out: Output,
    venue: VenueConfig,
    connection: Connection,
    intent: OrderIntent,
    *,
    yes: bool,
    store: Path | None,
    strategy: str | None,
    client_order_id: str | None,
    working_type: WorkingType | None,
) -> Order:
    """Check and round `intent` through an order manager, say what was rounded, announce
    the order (and ask on mainnet), then send it once through the manager."""
    exchange = connection.exchange
    rules = await exchange.get_symbol_rules(intent.symbol)  # an unknown symbol stops here
    async with OrderManager(exchange, store=store) as manager:
        checked = await manager.validate(intent)
        for notice in rounding_notices(intent, checked, rules):
            out.notice(f"[yellow]{notice}[/yellow]")
        announce(out, venue, connection, describe(checked), yes=yes)
        if working_type is not None:
            # The manager's order intents carry no working type yet: checked by it, sent
            # by the client, not tracked.
            return await _send_direct(exchange, checked, client_order_id, working_type)
        managed = await manager.submit(checked, strategy_name=strategy,
                                       client_order_id=client_order_id)
        return managed.order


async def _send_direct(
    exchange: BaseExchange, checked: OrderIntent, client_order_id: str | None,
    working_type: WorkingType,
) -> Order:
    return await exchange.create_order(
        checked.symbol, checked.side, checked.order_type, checked.quantity,
        price=checked.price, stop_price=checked.stop_price,
        time_in_force=checked.time_in_force, reduce_only=checked.reduce_only,
        client_order_id=client_order_id, working_type=working_type,
    )
