"""`countdown`: the exchange's dead man's switch for one symbol, from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from execution.cli.app import command, run_async
from execution.cli.commands.order_options import SymbolArg
from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.cli.safety import announce
from execution.errors import ValidationError
from execution.rules import normalize_symbol

SecondsArg = Annotated[
    int, typer.Argument(help="Seconds of silence before every open order of the symbol is "
                             "cancelled by the exchange; 0 disarms.")
]


@command("countdown", confirm=True)
def countdown(out: Output, venue: VenueConfig, yes: bool, symbol: SymbolArg,
              seconds: SecondsArg) -> None:
    """Arm (or, with 0, disarm) the exchange's countdown cancel of SYMBOL: unless it is sent
    again within SECONDS, the exchange cancels all its open orders (a dead man's switch;
    an order manager renews it itself with `OrderManager(deadman=...)`)."""
    symbol = normalize_symbol(symbol)
    if seconds < 0 or seconds > 86_400:
        raise ValidationError("seconds", seconds, "must be 0 (disarm) to 86400")
    venue.require_trading_allowed()

    async def body() -> None:
        async with open_exchange(venue) as connection:
            exchange = connection.exchange
            await exchange.get_symbol_rules(symbol)  # an unknown symbol stops here
            what = (f"disarm the {symbol} countdown cancel" if seconds == 0 else
                    f"cancel every open {symbol} order unless renewed within {seconds} s")
            announce(out, venue, connection, what, yes=yes)
            await exchange.countdown_cancel_all(symbol, seconds * 1000)

    run_async(body())
    if out.json_mode:
        out.emit_json({"symbol": symbol, "countdown_seconds": seconds})
        return
    out.line(f"{symbol}: countdown {'disarmed' if seconds == 0 else f'armed for {seconds} s'}")
