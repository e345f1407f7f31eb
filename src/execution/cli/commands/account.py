"""`balance`, `positions` and `leverage`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from execution.cli.app import command, run_async
from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.cli.output import Output, to_jsonable
from execution.cli.safety import announce
from execution.errors import ValidationError
from execution.models import Balance, Order, Position
from execution.orders.protection import PositionProtection, assess
from execution.rules import normalize_symbol

SymbolFilter = Annotated[
    str | None,
    typer.Option("--symbol", "-s", help="Only this symbol.", show_default=False),
]


@command("balance")
def balance(
    out: Output,
    venue: VenueConfig,
    asset: Annotated[
        str | None, typer.Option("--asset", "-a", help="Only this asset (e.g. USDT).")
    ] = None,
) -> None:
    """Show the futures wallet: balance, available, unrealised PnL per asset."""

    async def body() -> dict[str, Balance]:
        async with open_exchange(venue) as connection:
            out.notice(f"[dim]{escape(connection.label)}[/dim]")
            return await connection.exchange.fetch_balance()

    balances = run_async(body())
    if asset is not None:
        wanted = asset.upper()
        if wanted not in balances:
            raise ValidationError("asset", asset, "not in this account's balances")
        balances = {wanted: balances[wanted]}
    if out.json_mode:
        out.emit_json({"balances": list(balances.values())})
        return
    out.table(
        "Balance",
        ["asset", "wallet", "available", "locked", "unrealised PnL", "total"],
        (
            [b.asset, b.wallet_balance, b.available_balance, b.locked, b.unrealized_pnl, b.total]
            for b in balances.values()
        ),
        right_align=["wallet", "available", "locked", "unrealised PnL", "total"],
    )


def position_rows(
    positions: list[Position], protection: list[PositionProtection]
) -> list[list[object]]:
    return [
        [
            p.symbol,
            p.direction.value,
            p.size,
            p.entry_price,
            p.mark_price,
            p.unrealized_pnl,
            f"{p.unrealized_pnl_percent:.2f}%",
            f"{p.leverage}x",
            p.margin_type.value,
            p.liquidation_price,
            "protected" if found.protected else "UNPROTECTED",
        ]
        for p, found in zip(positions, protection, strict=True)
    ]


POSITION_COLUMNS = [
    "symbol", "side", "size", "entry", "mark", "unrealised PnL", "ROE", "leverage", "margin",
    "liquidation", "stop",
]


@command("positions")
def positions(out: Output, venue: VenueConfig, symbol: SymbolFilter = None) -> None:
    """Show open (non-flat) positions, each "protected" when the exchange holds a live stop
    (stop-market, stop or trailing stop, reduce-only or close-position, on the closing
    side) covering it, else "UNPROTECTED"."""
    wanted = normalize_symbol(symbol) if symbol else None

    async def body() -> tuple[list[Position], list[Order]]:
        async with open_exchange(venue) as connection:
            out.notice(f"[dim]{escape(connection.label)}[/dim]")
            held = await connection.exchange.get_positions(wanted)
            return held, await connection.exchange.get_open_orders(wanted)

    held, open_orders = run_async(body())
    held = [p for p in held if p.quantity != 0]
    protection = assess(held, open_orders)
    if out.json_mode:
        out.emit_json({"positions": [
            {**to_jsonable(p), "protected": found.protected, "covered": found.covered,
             "stops": list(found.stops)}
            for p, found in zip(held, protection, strict=True)
        ]})
        return
    out.table(
        "Positions", POSITION_COLUMNS, position_rows(held, protection),
        right_align=["size", "entry", "mark", "unrealised PnL", "ROE", "liquidation"],
        empty="no open positions",
    )
    naked = [found.symbol for found in protection if not found.protected]
    if naked:
        out.notice(f"[bold red]UNPROTECTED[/bold red]: no live stop on the exchange for "
                   f"{escape(', '.join(naked))}")


@command("leverage", confirm=True)
def leverage(
    out: Output,
    venue: VenueConfig,
    yes: bool,
    symbol: Annotated[str, typer.Argument(help="Symbol, e.g. BTCUSDT.")],
    value: Annotated[str, typer.Argument(help="Leverage, a whole number 1..125.")],
) -> None:
    """Set a symbol's leverage."""
    from execution.sizing.inputs import leverage_of

    wanted = leverage_of(value)
    symbol = normalize_symbol(symbol)
    venue.require_trading_allowed()

    async def body() -> int:
        async with open_exchange(venue) as connection:
            await connection.exchange.get_symbol_rules(symbol)
            announce(out, venue, connection, f"set {symbol} leverage to {wanted}x", yes=yes)
            return await connection.exchange.set_leverage(symbol, wanted)

    applied = run_async(body())
    if out.json_mode:
        out.emit_json({"symbol": symbol, "leverage": applied})
        return
    out.line(f"{symbol} leverage set to {applied}x")
