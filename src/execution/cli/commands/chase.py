"""`chase SYMBOL SIDE QUANTITY`: a chase order (v3): a post-only limit the venue keeps
pegged to the best bid (BUY) or ask (SELL), `--offset` away, until it fills, is cancelled
or the market moves more than `--max-offset` from the first peg
(`exchange.chase_orders`). Checked before anything is sent; sent once."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from execution.cli.app import command, run_async
from execution.cli.commands.order_options import LegOpt, QuantityArg, ReduceOpt, SymbolArg
from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.cli.safety import announce
from execution.exchange.chase_orders import ChaseOrder, ChaseRequest, chase_orders_of
from execution.models import OrderSide, PositionSide, TimeInForce
from execution.money import positive, to_decimal


class ChaseTif(enum.StrEnum):
    GTX = "GTX"
    GTC = "GTC"
    HIDDEN = "HIDDEN"


@command("chase", confirm=True)
def chase(
    out: Output,
    venue: VenueConfig,
    yes: bool,
    symbol: SymbolArg,
    side: Annotated[OrderSide, typer.Argument(case_sensitive=False, help="BUY or SELL.")],
    quantity: QuantityArg,
    quote: Annotated[bool, typer.Option("--quote", help="QUANTITY is in the quote asset "
                                        "(USDT), converted by the venue at the mark.")] = False,
    offset: Annotated[str, typer.Option("--offset", help="Distance from the best bid/ask "
                                        "(>= 0, on the tick).")] = "0",
    max_offset: Annotated[str | None, typer.Option(
        "--max-offset", show_default=False,
        help="Cancel once the peg moved this far from the first one.")] = None,
    percent: Annotated[bool, typer.Option("--percent", help="--max-offset is in percent "
                                          "(at most 2 decimals).")] = False,
    tif: Annotated[ChaseTif, typer.Option("--tif", case_sensitive=False,
                                          help="GTX (post-only), GTC or HIDDEN.")] = ChaseTif.GTX,
    position_side: LegOpt = None,
    reduce_only: ReduceOpt = False,
    client_id: Annotated[str | None, typer.Option(
        "--client-id", show_default=False, help="Client strategy id (<= 28 characters).")] = None,
) -> None:
    """Place a chase order: pegged to the best bid (BUY) or ask (SELL) by the venue."""
    request = ChaseRequest(
        symbol, side, positive(quantity, "quantity"), "QUOTE" if quote else "BASE",
        to_decimal(offset, "offset"),
        None if max_offset is None else positive(max_offset, "max_offset"),
        "PERCENTAGE" if percent else "ABSOLUTE", position_side or PositionSide.BOTH,
        reduce_only, TimeInForce(tif.value), client_id,
    )
    venue.require_trading_allowed()

    async def body() -> ChaseOrder:
        async with open_exchange(venue) as connection:
            desk = chase_orders_of(connection.exchange)
            params = dict(desk.params(request))  # checked before the announcement
            announce(out, venue, connection,
                     f"chase {params['side']} {params['quantity']} {params['symbol']} "
                     f"offset {params['chaseOffset']}", yes=yes)
            return await desk.place(request)

    placed = run_async(body())
    if out.json_mode:
        out.emit_json({"chase": placed.raw})
        return
    out.table("Chase", ["field", "value"], [
        ("strategy id", placed.strategy_id), ("client strategy id", placed.client_strategy_id),
        ("symbol", placed.symbol), ("side", placed.side), ("quantity", placed.quantity),
        ("offset", placed.chase_offset), ("max offset", placed.max_chase_offset),
        ("status", placed.status)])
