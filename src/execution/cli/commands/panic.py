"""`panic`: the kill switch (cancel every order, flatten every position, report)."""

from __future__ import annotations

from typing import Annotated

import typer

from execution.cli.app import command, run_async
from execution.cli.commands.order_options import StoreOpt
from execution.cli.commands.trading import show_orders
from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.cli.safety import announce
from execution.errors import ValidationError
from execution.money import format_decimal
from execution.orders.panic import PanicReport
from execution.rules import normalize_symbol

OptionalSymbolArg = Annotated[
    str | None, typer.Argument(help="Only this symbol (default: every symbol).")
]


@command("panic", confirm=True)
def panic_command(
    out: Output, venue: VenueConfig, yes: bool, symbol: OptionalSymbolArg = None,
    store: StoreOpt = None,
) -> None:
    """Cancel every open order and close every position at market (of SYMBOL, or of all
    symbols), going on past failures, and report what was done."""
    symbol = None if symbol is None else normalize_symbol(symbol)
    venue.require_trading_allowed()
    if store is not None and venue.embedded:
        raise ValidationError(
            "--store", str(store),
            "needs a venue that outlives the command: pass --url of a running simulator",
        )

    async def body() -> PanicReport:
        from execution.orders.manager import OrderManager

        async with open_exchange(venue) as connection:
            exchange = connection.exchange
            if symbol is not None:
                await exchange.get_symbol_rules(symbol)  # an unknown symbol stops here
            held = [p for p in await exchange.get_positions(symbol) if p.quantity]
            what = (f"PANIC: cancel every open order and close {len(held)} position(s) on "
                    f"{symbol or 'every symbol'}")
            announce(out, venue, connection, what, yes=yes)
            async with OrderManager(exchange, store=store, adopt="none") as manager:
                return await manager.panic(symbol)

    report = run_async(body())
    if out.json_mode:
        out.emit_json({
            "symbols": list(report.symbols), "cancelled": list(report.cancelled),
            "closing": [m.order for m in report.closing], "errors": list(report.errors),
            "positions_left": {p.symbol: format_decimal(p.quantity)
                               for p in report.positions_left},
        })
    else:
        out.line(report.summary())
        if report.closing:
            show_orders(out, "Closing orders", [m.order for m in report.closing], "no orders")
        for error in report.errors:
            out.notice(f"[red]{error}[/red]")
        for position in report.positions_left:
            out.notice(f"[red]still open: {position.symbol} {format_decimal(position.quantity)}"
                       "[/red]")
    if not report.flat:
        raise typer.Exit(1)
