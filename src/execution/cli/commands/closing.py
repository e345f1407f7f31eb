"""`close`: flatten a symbol (cancel its orders, close its position at market); in hedge
mode one leg (`--position-side LONG|SHORT`: that leg's orders and position only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer

from execution.cli.app import command, run_async
from execution.cli.commands.order_options import LegOpt, StoreOpt, StrategyOpt, SymbolArg
from execution.cli.commands.trading import show_orders
from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.cli.safety import announce
from execution.errors import ValidationError
from execution.models import PositionSide
from execution.money import format_decimal
from execution.orders.fill_fees import fees_known
from execution.orders.managed import ManagedOrder
from execution.rules import normalize_symbol


@command("close", confirm=True)
def close(
    out: Output,
    venue: VenueConfig,
    yes: bool,
    symbol: SymbolArg,
    keep_orders: Annotated[
        bool, typer.Option("--keep-orders", help="Leave the symbol's open orders working.")
    ] = False,
    store: StoreOpt = None,
    strategy: StrategyOpt = None,
    position_side: LegOpt = None,
) -> None:
    """Close a position: cancel the symbol's open orders, then reduce-only market orders
    until flat (split at the exchange's largest market order). Hedge mode: name the leg
    with --position-side when both are open; only its orders are cancelled."""
    symbol = normalize_symbol(symbol)
    venue.require_trading_allowed()
    if store is not None and venue.embedded:
        raise ValidationError(
            "--store", str(store),
            "needs a venue that outlives the command: pass --url of a running simulator",
        )

    async def body() -> list[ManagedOrder]:
        from execution.orders.manager import OrderManager

        async with open_exchange(venue) as connection:
            exchange = connection.exchange
            await exchange.get_symbol_rules(symbol)  # an unknown symbol stops here
            held = sum((p.quantity for p in await exchange.get_positions(symbol)
                        if position_side in (None, p.position_side)), Decimal(0))
            leg = "" if position_side in (None, PositionSide.BOTH) else (
                f" {position_side.value}")
            what = f"close the {symbol}{leg} position ({format_decimal(held)})" if held else (
                f"close {symbol}{leg} (no open position)")
            if not keep_orders:
                what += " and cancel its open orders"
            announce(out, venue, connection, what, yes=yes)
            async with OrderManager(exchange, store=store) as manager:
                closing = await manager.close_position(
                    symbol, cancel_orders=not keep_orders, strategy_name=strategy,
                    position_side=position_side)
                return closing

    # The manager has stopped: each close's fill has its fees and realised PnL by now
    # (the stream's trades, or the exchange's userTrades), or they are said unknown.
    closing = run_async(body())
    result = closing_result(closing)
    if out.json_mode:
        out.emit_json({"symbol": symbol, "orders": [m.order for m in closing], **result})
        return
    if not closing:
        out.line(f"no open {symbol} position")
        return
    show_orders(out, f"Closing orders {symbol}", [m.order for m in closing], "no orders")
    out.line(" ".join(f"{name.replace('_', ' ')} {_amount(value)};"
                      for name, value in result.items()).rstrip(";"))


def closing_result(closing: list[ManagedOrder]) -> dict[str, Decimal | None]:
    """What the closing fills realised: the exchange's realised PnL, the fees and the net
    of the two (None, unknown, while a fill's trades are not known)."""
    filled = [m for m in closing if m.filled_quantity > 0]
    if not all(fees_known(m) for m in filled):
        return {"realized_pnl": None, "fees": None, "net_pnl": None}
    realized = sum((m.order.realized_pnl for m in filled), start=Decimal(0))
    fees = sum((m.order.commission for m in filled), start=Decimal(0))
    return {"realized_pnl": realized, "fees": fees, "net_pnl": realized - fees}


def _amount(value: Decimal | None) -> str:
    return "unknown" if value is None else format_decimal(value)
