"""More contracts than the default three, and contracts read from a saved exchangeInfo.

`UNIVERSE` adds ASTERUSDT (the docs' order examples), DOGEUSDT with the filters of the
docs' exchangeInfo example (a price precision that is not the tick size, min notional 1)
and 1000SHIBUSDT (a contract on 1000 units of a coin worth a fraction of a cent: tick
0.000001, whole-number quantities in the hundreds of thousands).

`load_symbols(path)` reads the `symbols` of an exchangeInfo answer saved as JSON (or a bare
list of them): filters, assets and precisions as the exchange gives them. exchangeInfo has
no price: a symbol's start price is its optional `startPrice` field (a simulator
extension), else the geometric mean of its PRICE_FILTER bounds, on the tick. Its book holds
about 50,000 of the quote asset a level.
"""

from __future__ import annotations

import json
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from execution.simulator.engine.config import (
    _ALT_BRACKETS,
    DEFAULT_SYMBOLS,
    SymbolSpec,
)

ASTERUSDT = SymbolSpec(
    symbol="ASTERUSDT", base_asset="ASTER", start_price=Decimal("1.2000"),
    tick_size=Decimal("0.0001"), step_size=Decimal(1), price_precision=4,
    quantity_precision=0, min_qty=Decimal(1), max_qty=Decimal(5_000_000),
    market_max_qty=Decimal(1_000_000), min_price=Decimal("0.0010"), max_price=Decimal(100),
    level_spacing_ticks=2, level_qty=Decimal(20_000), level_qty_step=Decimal(5_000),
    step_volatility=Decimal("0.0005"), brackets=_ALT_BRACKETS,
)

DOGEUSDT = SymbolSpec(  # the docs' exchangeInfo example
    symbol="DOGEUSDT", base_asset="DOGE", start_price=Decimal("0.1500"),
    tick_size=Decimal("0.0001"), step_size=Decimal(1), price_precision=5,
    quantity_precision=0, min_qty=Decimal(1), max_qty=Decimal(10_000_000),
    market_max_qty=Decimal(590_119), min_notional=Decimal(1), min_price=Decimal("0.0001"),
    max_price=Decimal(300), multiplier_up=Decimal("1.1500"), multiplier_down=Decimal("0.8500"),
    level_spacing_ticks=1, level_qty=Decimal(100_000), level_qty_step=Decimal(20_000),
    step_volatility=Decimal("0.0005"), brackets=_ALT_BRACKETS,
)

SHIB1000USDT = SymbolSpec(
    symbol="1000SHIBUSDT", base_asset="1000SHIB", start_price=Decimal("0.012345"),
    tick_size=Decimal("0.000001"), step_size=Decimal(1), price_precision=6,
    quantity_precision=0, min_qty=Decimal(1), max_qty=Decimal(100_000_000),
    market_max_qty=Decimal(20_000_000), min_price=Decimal("0.000001"), max_price=Decimal(1),
    level_spacing_ticks=1, level_qty=Decimal(2_000_000), level_qty_step=Decimal(500_000),
    step_volatility=Decimal("0.0005"), brackets=_ALT_BRACKETS,
)

UNIVERSE: tuple[SymbolSpec, ...] = (*DEFAULT_SYMBOLS, ASTERUSDT, DOGEUSDT, SHIB1000USDT)
_LEVEL_NOTIONAL = Decimal(50_000)


class SymbolFileError(ValueError):
    """A symbols file that cannot be read: which file, which symbol, what is wrong."""


def load_symbols(path: str | Path) -> tuple[SymbolSpec, ...]:
    """The contracts of a saved exchangeInfo (its `symbols`, or a bare list)."""
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise SymbolFileError(f"{path}: not a readable JSON file ({error})") from None
    entries = raw.get("symbols") if isinstance(raw, dict) else raw
    if not isinstance(entries, list) or not entries:
        raise SymbolFileError(f"{path}: no symbols (an exchangeInfo with a 'symbols' list)")
    specs = tuple(_spec(path, entry) for entry in entries)
    names = [spec.symbol for spec in specs]
    if len(set(names)) != len(names):
        raise SymbolFileError(f"{path}: a symbol is listed twice")
    return specs


def _spec(path: str | Path, entry: Any) -> SymbolSpec:
    if not isinstance(entry, dict) or not isinstance(entry.get("symbol"), str):
        raise SymbolFileError(f"{path}: a symbol entry without a 'symbol' name")
    name = entry["symbol"]
    filters = {f.get("filterType"): f for f in entry.get("filters", []) if isinstance(f, dict)}

    def number(filter_type: str, field: str, default: str | None = None) -> Decimal:
        value = filters.get(filter_type, {}).get(field, default)
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            result = Decimal("NaN")
        if value is None or not result.is_finite() or result < 0:
            raise SymbolFileError(f"{path}: {name}: {filter_type}.{field} is {value!r}, "
                                  "not a number >= 0")
        return result

    tick = number("PRICE_FILTER", "tickSize")
    step = number("LOT_SIZE", "stepSize")
    min_price = number("PRICE_FILTER", "minPrice")
    max_price = number("PRICE_FILTER", "maxPrice")
    if tick <= 0 or step <= 0 or max_price <= min_price:
        raise SymbolFileError(f"{path}: {name}: tick and step must be > 0 and maxPrice above "
                              "minPrice")
    start = _start_price(path, name, entry, min_price, max_price, tick)
    level = max(step, (_LEVEL_NOTIONAL / start).quantize(step, ROUND_FLOOR))
    return SymbolSpec(
        symbol=name, base_asset=str(entry.get("baseAsset") or name.removesuffix("USDT")),
        quote_asset=str(entry.get("quoteAsset") or "USDT"), start_price=start,
        tick_size=tick, step_size=step,
        price_precision=int(entry.get("pricePrecision", 8)),
        quantity_precision=int(entry.get("quantityPrecision", 8)),
        min_qty=number("LOT_SIZE", "minQty"), max_qty=number("LOT_SIZE", "maxQty"),
        market_max_qty=number("MARKET_LOT_SIZE", "maxQty",
                              str(filters.get("LOT_SIZE", {}).get("maxQty"))),
        min_notional=number("MIN_NOTIONAL", "notional", "5"),
        min_price=min_price, max_price=max_price,
        multiplier_up=number("PERCENT_PRICE", "multiplierUp", "1.05"),
        multiplier_down=number("PERCENT_PRICE", "multiplierDown", "0.95"),
        max_num_orders=int(number("MAX_NUM_ORDERS", "limit", "200")),
        max_num_algo_orders=int(number("MAX_NUM_ALGO_ORDERS", "limit", "100")),
        level_spacing_ticks=1, level_qty=level, level_qty_step=level / 4 // step * step,
        brackets=_ALT_BRACKETS,
    )


def _start_price(path: str | Path, name: str, entry: dict[str, Any], low: Decimal,
                 high: Decimal, tick: Decimal) -> Decimal:
    given = entry.get("startPrice")
    if given is not None:
        try:
            price = Decimal(str(given))
        except InvalidOperation:
            price = Decimal("NaN")
        if not price.is_finite() or not low <= price <= high:
            raise SymbolFileError(f"{path}: {name}: startPrice {given!r} is not a price "
                                  "within PRICE_FILTER")
    else:
        price = (max(low, tick) * high).sqrt()
    return max(tick, (price / tick).to_integral_value(ROUND_FLOOR) * tick)
