"""One order from the CLI, always through an `OrderManager`: the one path of an order.

With `--store` the manager records the order in that file; without, it keeps it in memory
for the life of the command. Either way every check the library makes applies (symbol,
filters, the trigger's side of the market, reduce-only against the position, the guards),
and whatever was rounded is said, with the rule, before anything is sent.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from execution.cli.connect import Connection
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.cli.safety import announce
from execution.intent import OrderIntent, intent_attributes
from execution.models import Order, WorkingType
from execution.money import format_decimal
from execution.orders.manager import OrderManager
from execution.risk.limits import RiskLimits


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
    if intent.time_in_force is not None and intent.time_in_force.value in ("GTX", "HIDDEN"):
        text += f" {intent.time_in_force.value}"
    if intent.position_side.value != "BOTH":
        text += f" {intent.position_side.value} leg"
    extras = intent_attributes(intent)  # trailing, close-position, peg, STP, ...
    if extras:
        text += " (" + ", ".join(f"{name.replace('_', ' ')} {value}"
                                 for name, value in extras.items()) + ")"
    return text


async def place_order(
    out: Output,
    venue: VenueConfig,
    connection: Connection,
    intent: OrderIntent,
    *,
    yes: bool,
    store: str | Path | None,
    strategy: str | None,
    client_order_id: str | None,
    working_type: WorkingType | None,
    risk: RiskLimits | None = None,
    reprices: int = 0,
) -> Order:
    """Check and round `intent` through an order manager, say what was rounded, announce
    the order (and ask on mainnet), then send it once through the manager."""
    exchange = connection.exchange
    await exchange.get_symbol_rules(intent.symbol)  # an unknown symbol stops here
    if working_type is not None:
        intent = replace(intent, working_type=working_type)
    async with OrderManager(exchange, store=store, risk=risk) as manager:
        checked = await manager.check_order(intent)
        for notice in checked.rounded:
            out.notice(f"[yellow]{notice}[/yellow]")
        announce(out, venue, connection, describe(checked), yes=yes)
        managed = await manager.place_order(checked, strategy_name=strategy,
                                            client_order_id=client_order_id, reprices=reprices)
        return managed.order
