"""The synthetic order book around a price: a few levels a side, each with limited quantity.

The book is derived from the current price on demand (liquidity is replenished on every
request), so a MARKET order bigger than one level fills across levels at worse prices, and
one bigger than the whole side fills partly and expires the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from execution.simulator.engine.config import SymbolSpec


@dataclass(frozen=True, slots=True)
class Level:
    price: Decimal
    quantity: Decimal


def best_prices(spec: SymbolSpec, price: Decimal) -> tuple[Decimal, Decimal]:
    """(best bid, best ask): one tick either side of the price rounded down to the tick."""
    tick = spec.tick_size
    mid = (price / tick).to_integral_value(rounding=ROUND_FLOOR) * tick
    bid = mid - tick
    return (bid if bid > 0 else tick), mid + tick


def levels(spec: SymbolSpec, price: Decimal, side: str, count: int | None = None) -> list[Level]:
    """The book side a taker on `side` trades against: asks for BUY, bids for SELL."""
    bid, ask = best_prices(spec, price)
    spacing = spec.tick_size * spec.level_spacing_ticks
    wanted = spec.book_levels if count is None else min(count, spec.book_levels)
    result: list[Level] = []
    for index in range(wanted):
        if side == "BUY":
            result.append(Level(ask + spacing * index, spec.level_qty))
        else:
            level_price = bid - spacing * index
            if level_price <= 0:
                break
            result.append(Level(level_price, spec.level_qty))
    return result


def walk(
    spec: SymbolSpec, price: Decimal, side: str, quantity: Decimal, limit: Decimal | None = None
) -> list[Level]:
    """The fills a taker `side` order of `quantity` gets, best level first, not beyond `limit`."""
    fills: list[Level] = []
    remaining = quantity
    bid, ask = best_prices(spec, price)
    spacing = spec.tick_size * spec.level_spacing_ticks
    buying = side == "BUY"
    level_price = ask if buying else bid
    for _ in range(spec.book_levels):
        if remaining <= 0 or level_price <= 0:
            break
        if limit is not None and (level_price > limit if buying else level_price < limit):
            break
        take = min(remaining, spec.level_qty)
        fills.append(Level(level_price, take))
        remaining -= take
        level_price = level_price + spacing if buying else level_price - spacing
    return fills


def available(
    spec: SymbolSpec, price: Decimal, side: str, limit: Decimal | None = None
) -> Decimal:
    """Total quantity a taker `side` order could get, not beyond `limit`."""
    return sum((level.quantity for level in walk(spec, price, side, Decimal("Infinity"), limit)),
               Decimal(0))
