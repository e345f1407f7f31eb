"""`cancel` and `cancel-all`: cancel one order by its id, or every open order of a symbol."""

from __future__ import annotations

from typing import Annotated

import typer

from execution.cli.app import command, run_async
from execution.cli.commands.order_options import SymbolArg
from execution.cli.commands.trading import show_order
from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.cli.safety import announce
from execution.errors import ValidationError
from execution.exchange.order_request import check_order_id
from execution.models import Order
from execution.rules import normalize_symbol


@command("cancel", confirm=True)
def cancel(
    out: Output,
    venue: VenueConfig,
    yes: bool,
    symbol: SymbolArg,
    order_id: Annotated[
        str | None, typer.Argument(help="Exchange order id (or use --client-id).",
                                   show_default=False)
    ] = None,
    client_id: Annotated[
        str | None, typer.Option("--client-id", help="Cancel by client order id.",
                                 show_default=False)
    ] = None,
) -> None:
    """Cancel one order by exchange id or client order id."""
    symbol = normalize_symbol(symbol)
    if (order_id is None) == (client_id is None):
        raise ValidationError("order_id", order_id, "give an order id or --client-id (one)")
    if order_id is not None:
        check_order_id(order_id)
    venue.require_trading_allowed()
    what = f"order {order_id}" if order_id else f"client order {client_id}"

    async def body() -> Order:
        async with open_exchange(venue) as connection:
            await connection.exchange.get_symbol_rules(symbol)
            announce(out, venue, connection, f"cancel {symbol} {what}", yes=yes)
            return await connection.exchange.cancel_order(
                order_id, symbol, client_order_id=client_id
            )

    show_order(out, "Cancelled", run_async(body()))


@command("cancel-all", confirm=True)
def cancel_all(out: Output, venue: VenueConfig, yes: bool, symbol: SymbolArg) -> None:
    """Cancel every open order of a symbol."""
    symbol = normalize_symbol(symbol)
    venue.require_trading_allowed()

    async def body() -> list[Order]:
        async with open_exchange(venue) as connection:
            exchange = connection.exchange
            await exchange.get_symbol_rules(symbol)
            open_orders = await exchange.get_open_orders(symbol)
            announce(out, venue, connection,
                     f"cancel all {len(open_orders)} open {symbol} orders", yes=yes)
            await exchange.cancel_all_orders(symbol)
            return open_orders

    cancelled = run_async(body())
    if out.json_mode:
        out.emit_json({"symbol": symbol, "cancelled": [o.client_order_id for o in cancelled]})
        return
    out.line(f"cancelled {len(cancelled)} open {symbol} order(s)")
