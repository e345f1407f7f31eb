"""`price`, `book` and `symbols`: what the trader sees of a market, read over REST."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.markup import escape

from execution.cli.app import command, run_async
from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.cli.output import Output, fmt
from execution.errors import ValidationError
from execution.market.events import DepthSnapshot, PremiumIndex, Ticker24h
from execution.market.rest import DEPTH_LIMITS, market_rest_of
from execution.rules import SymbolRules, normalize_symbol

SymbolArg = Annotated[str, typer.Argument(help="Symbol, e.g. BTCUSDT.")]
OptionalSymbolArg = Annotated[
    str | None, typer.Argument(help="Only this symbol (default: every symbol).")
]
DepthOpt = Annotated[
    int, typer.Option("--depth", "-d", help="Levels a side (1-1000).", min=1, max=1000)
]


def iso_utc(ms: int) -> str:
    """Milliseconds since the epoch as an ISO 8601 UTC time."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


@command("price")
def price(out: Output, venue: VenueConfig, symbol: SymbolArg) -> None:
    """Show a symbol's mark, index and last price, the funding rate and the next funding."""
    symbol = normalize_symbol(symbol)

    async def body() -> tuple[PremiumIndex, Ticker24h]:
        async with open_exchange(venue) as connection:
            out.notice(f"[dim]{escape(connection.label)}[/dim]")
            await connection.exchange.get_symbol_rules(symbol)  # an unknown symbol stops here
            reads = market_rest_of(connection.exchange)
            return await reads.premium_index(symbol), await reads.ticker_24h(symbol)

    premium, ticker = run_async(body())
    view: dict[str, Any] = {
        "symbol": symbol, "mark_price": premium.mark_price, "index_price": premium.index_price,
        "last_price": ticker.last_price, "funding_rate": premium.funding_rate,
        "next_funding_time": premium.next_funding_time,
        "next_funding_time_utc": iso_utc(premium.next_funding_time),
        "price_change_percent_24h": ticker.price_change_percent,
    }
    if out.json_mode:
        out.emit_json(view)
        return
    rate_percent = premium.funding_rate * 100
    out.table(f"Price {symbol}", ["field", "value"], [
        ["mark", premium.mark_price], ["index", premium.index_price],
        ["last", ticker.last_price],
        ["funding rate", f"{fmt(premium.funding_rate)} ({fmt(rate_percent)}%)"],
        ["next funding", view["next_funding_time_utc"]],
        ["24h change", f"{fmt(ticker.price_change_percent)}%"],
    ], right_align=["value"])


def _limit_for(depth: int) -> int:
    return next(limit for limit in DEPTH_LIMITS if limit >= depth)


@command("book")
def book(out: Output, venue: VenueConfig, symbol: SymbolArg, depth: DepthOpt = 10) -> None:
    """Show the order book: the best `--depth` bids and asks, and the spread."""
    symbol = normalize_symbol(symbol)

    async def body() -> DepthSnapshot:
        async with open_exchange(venue) as connection:
            out.notice(f"[dim]{escape(connection.label)}[/dim]")
            await connection.exchange.get_symbol_rules(symbol)  # an unknown symbol stops here
            return await market_rest_of(connection.exchange).depth(symbol, _limit_for(depth))

    snapshot = run_async(body())
    bids, asks = snapshot.bids[:depth], snapshot.asks[:depth]
    spread = asks[0][0] - bids[0][0] if bids and asks else None
    if out.json_mode:
        out.emit_json({
            "symbol": symbol, "last_update_id": snapshot.last_update_id, "spread": spread,
            "bids": [[p, q] for p, q in bids], "asks": [[p, q] for p, q in asks],
        })
        return
    rows: list[list[object]] = []
    for index in range(max(len(bids), len(asks))):
        bid = bids[index] if index < len(bids) else (None, None)
        ask = asks[index] if index < len(asks) else (None, None)
        rows.append([bid[1], bid[0], ask[0], ask[1]])
    out.table(f"Book {symbol} (update {snapshot.last_update_id})",
              ["bid qty", "bid", "ask", "ask qty"], rows,
              right_align=["bid qty", "bid", "ask", "ask qty"], empty="empty book")
    if spread is not None:
        mid = (asks[0][0] + bids[0][0]) / 2
        out.line(f"spread {fmt(spread)} ({fmt(spread / mid * 10_000, 2)} bp of the mid)")


def _rules_view(rules: SymbolRules) -> dict[str, Any]:
    return {
        "symbol": rules.symbol, "status": rules.status, "tick_size": rules.tick_size,
        "min_price": rules.min_price, "max_price": rules.max_price,
        "step_size": rules.step_size, "min_qty": rules.min_qty, "max_qty": rules.max_qty,
        "min_notional": rules.min_notional,
        "market_lot": {"min_qty": rules.market_min_qty, "max_qty": rules.market_max_qty,
                       "step_size": rules.market_step_size},
        "percent_price": {"multiplier_up": rules.multiplier_up,
                          "multiplier_down": rules.multiplier_down},
        "max_orders": rules.max_num_orders,
    }


def _range(low: Decimal | None, high: Decimal | None) -> str:
    return f"{fmt(low)}..{fmt(high)}"


@command("symbols")
def symbols(out: Output, venue: VenueConfig, symbol: OptionalSymbolArg = None) -> None:
    """List the symbols and their filters: tick, step, minimum quantity and notional, the
    market lot, the percent-price band and the most open orders."""
    wanted = normalize_symbol(symbol) if symbol else None

    async def body() -> dict[str, SymbolRules]:
        async with open_exchange(venue) as connection:
            out.notice(f"[dim]{escape(connection.label)}[/dim]")
            return await market_rest_of(connection.exchange).symbol_rules()

    rules = run_async(body())
    if wanted is not None:
        if wanted not in rules:
            raise ValidationError("symbol", symbol, "unknown symbol (not in exchangeInfo)")
        rules = {wanted: rules[wanted]}
    listed = sorted(rules.values(), key=lambda r: r.symbol)
    if out.json_mode:
        out.emit_json({"symbols": [_rules_view(r) for r in listed]})
        return
    out.table("Symbols", [
        "symbol", "status", "tick", "step", "min qty", "min notional", "market lot",
        "percent price", "max orders",
    ], ([
        r.symbol, r.status, r.tick_size, r.step_size, r.min_qty, r.min_notional,
        f"{_range(r.market_min_qty, r.market_max_qty)} step {fmt(r.market_step_size)}",
        f"x{fmt(r.multiplier_down)}..x{fmt(r.multiplier_up)}", r.max_num_orders,
    ] for r in listed), right_align=["tick", "step", "min qty", "min notional", "max orders"],
        empty="no symbols")
