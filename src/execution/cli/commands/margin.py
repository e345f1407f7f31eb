"""`mode` (one-way or hedge positions) and `margin` (a symbol's margin type, its isolated
margin added or reduced, and the history of those changes)."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated

import typer
from rich.markup import escape

from execution.cli.app import command, run_async
from execution.cli.connect import Connection, open_exchange
from execution.cli.options import VenueConfig
from execution.cli.output import Output
from execution.cli.safety import announce
from execution.errors import ConfigurationError, ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.margin_desk import (
    MarginChange,
    MarginChangeKind,
    MarginDesk,
    PositionMode,
    SettingChange,
)
from execution.models import MarginType, PositionSide
from execution.money import format_decimal, positive
from execution.rules import normalize_symbol


class ModeChoice(enum.StrEnum):
    ONE_WAY = "one-way"
    HEDGE = "hedge"


class MarginChoice(enum.StrEnum):
    ISOLATED = "isolated"
    CROSSED = "crossed"


class SideChoice(enum.StrEnum):
    LONG = "LONG"
    SHORT = "SHORT"


def margin_desk(connection: Connection) -> MarginDesk:
    """The exchange's margin desk; `ConfigurationError` for a client without one."""
    exchange = connection.exchange
    if not isinstance(exchange, AsterDEXExchange):
        raise ConfigurationError(f"{type(exchange).__name__} has no margin settings")
    return exchange.margin


def show_change(out: Output, change: SettingChange) -> None:
    if out.json_mode:
        out.emit_json({"setting": change})
        return
    where = f"{change.symbol} " if change.symbol else ""
    if change.changed:
        out.line(f"{where}{change.setting} set to {change.value}")
    else:
        out.line(f"{where}{change.setting} is already {change.value}: nothing changed")


@command("mode", confirm=True)
def mode(
    out: Output,
    venue: VenueConfig,
    yes: bool,
    wanted: Annotated[
        ModeChoice | None,
        typer.Argument(help="one-way or hedge; without it, show the current mode.",
                       case_sensitive=False, show_default=False),
    ] = None,
) -> None:
    """Show or set the position mode of every symbol: one-way (one position a symbol)
    or hedge (a long and a short). Setting the mode it has already is a no-op."""
    if wanted is not None:
        venue.require_trading_allowed()

    async def body() -> PositionMode | SettingChange:
        async with open_exchange(venue) as connection:
            desk = margin_desk(connection)
            if wanted is None:
                out.notice(f"[dim]{escape(connection.label)}[/dim]")
                return await desk.position_mode()
            announce(out, venue, connection, f"set the position mode to {wanted.value}",
                     yes=yes)
            return await desk.set_position_mode(PositionMode(wanted.value))

    result = run_async(body())
    if isinstance(result, SettingChange):
        show_change(out, result)
    elif out.json_mode:
        out.emit_json({"position_mode": result})
    else:
        out.line(f"position mode: {result.value}")


AmountOpt = Annotated[str | None, typer.Option(help="Amount of margin (e.g. 25.5).",
                                               show_default=False)]


def _action(
    margin_type: MarginChoice | None, add: str | None, reduce: str | None
) -> tuple[str, object] | None:
    given = [(name, value) for name, value in
             (("type", margin_type), ("add", add), ("reduce", reduce)) if value is not None]
    if len(given) > 1:
        raise ValidationError("--" + given[1][0], given[1][1],
                              "give one of --type, --add or --reduce")
    if not given:
        return None
    name, value = given[0]
    if name != "type":
        return name, positive(str(value), f"--{name}")  # checked before connecting
    return given[0]


@command("margin", confirm=True, context_settings={"ignore_unknown_options": True})
def margin(
    out: Output,
    venue: VenueConfig,
    yes: bool,
    symbol: Annotated[str, typer.Argument(help="Symbol, e.g. BTCUSDT.")],
    margin_type: Annotated[
        MarginChoice | None,
        typer.Option("--type", help="Set the margin type: isolated or crossed.",
                     case_sensitive=False, show_default=False),
    ] = None,
    add: AmountOpt = None,
    reduce: AmountOpt = None,
    position_side: Annotated[
        SideChoice | None,
        typer.Option("--position-side", help="LONG or SHORT (hedge mode, with --add or "
                     "--reduce).", case_sensitive=False, show_default=False),
    ] = None,
) -> None:
    """Show a symbol's margin type and its isolated margin changes, set its margin type
    (--type), or add margin to / reduce it from its isolated position (--add, --reduce).
    A margin change is sent once: a lost answer is looked for in the history."""
    symbol = normalize_symbol(symbol)
    action = _action(margin_type, add, reduce)
    side = PositionSide(position_side.value) if position_side else PositionSide.BOTH
    if action is not None:
        venue.require_trading_allowed()

    async def body() -> object:
        async with open_exchange(venue) as connection:
            await connection.exchange.get_symbol_rules(symbol)
            desk = margin_desk(connection)
            if action is None:
                out.notice(f"[dim]{escape(connection.label)}[/dim]")
                return await desk.margin_type(symbol), await desk.history(symbol)
            name, value = action
            if name == "type":
                wanted = MarginType(str(value).upper())
                announce(out, venue, connection, f"set {symbol} margin type to {value}",
                         yes=yes)
                return await desk.set_margin_type(symbol, wanted)
            kind = MarginChangeKind.ADD if name == "add" else MarginChangeKind.REDUCE
            assert isinstance(value, Decimal)
            amount = value
            announce(out, venue, connection,
                     f"{name} {format_decimal(amount)} of {symbol} isolated margin", yes=yes)
            return await desk.adjust(symbol, kind, amount, position_side=side)

    result = run_async(body())
    if isinstance(result, SettingChange):
        show_change(out, result)
    elif isinstance(result, MarginChange):
        if out.json_mode:
            out.emit_json({"margin_change": result})
        else:
            verb = "added to" if result.kind is MarginChangeKind.ADD else "reduced from"
            out.line(f"{format_decimal(result.amount)} {verb} the {symbol} isolated position")
    else:
        assert isinstance(result, tuple)
        current, history = result
        show_margin(out, symbol, current, history)


def show_margin(
    out: Output, symbol: str, current: MarginType, history: list[MarginChange]
) -> None:
    if out.json_mode:
        out.emit_json({"symbol": symbol, "margin_type": current, "history": history})
        return
    out.line(f"{symbol} margin type: {current.value.lower()}")
    out.table(
        f"{symbol} isolated margin changes", ["time", "kind", "amount", "asset", "side"],
        ([h.time, h.kind.name.lower(), h.amount, h.asset, h.position_side.value]
         for h in history),
        right_align=["amount"], empty="no margin changes",
    )
