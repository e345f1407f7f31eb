"""Market stream names as the docs write them, parsed into what to push and how often.

"All symbols for streams are lowercase": the symbol part is lower-cased, the rest is kept
as written (`aggTrade`, `markPrice@1s`). A name is labelled in combined payloads the way it
was subscribed (normalised), so `btcusdt@markPrice@1s` comes back as `btcusdt@markPrice@1s`.
Update speeds are the docs' ("Update Speed"); None is real time (pushed as it happens).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KLINE_INTERVALS = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d",
                   "3d", "1w", "1M")
PARTIAL_DEPTH_LEVELS = (5, 10, 20)
_SPEEDS = {"": 250, "@500ms": 500, "@100ms": 100}

_SYMBOL = r"(?P<symbol>[a-z0-9]+)"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern)) for kind, pattern in (
        ("aggTrade", _SYMBOL + r"@aggTrade"),
        ("tradepro", _SYMBOL + r"@tradepro"),
        ("bookTicker", _SYMBOL + r"@bookTicker"),
        ("allBookTicker", r"!bookTicker"),
        ("markPrice", _SYMBOL + r"@markPrice(?P<fast>@1s)?"),
        ("allMarkPrice", r"!markPrice@arr(?P<fast>@1s)?"),
        ("kline", _SYMBOL + r"@kline_(?P<interval>[0-9]+[mhdwM])"),
        ("miniTicker", _SYMBOL + r"@miniTicker"),
        ("allMiniTicker", r"!miniTicker@arr"),
        ("ticker", _SYMBOL + r"@ticker"),
        ("allTicker", r"!ticker@arr"),
        ("forceOrder", _SYMBOL + r"@forceOrder"),
        ("allForceOrder", r"!forceOrder@arr"),
        ("partialDepth", _SYMBOL + r"@depth(?P<levels>[0-9]+)(?P<speed>@500ms|@100ms)?"),
        ("diffDepth", _SYMBOL + r"@depth(?P<speed>@500ms|@100ms)?"),
    )
)
_CADENCE = {
    "markPrice": 3000, "allMarkPrice": 3000, "kline": 250, "miniTicker": 500,
    "allMiniTicker": 1000, "ticker": 500, "allTicker": 1000, "forceOrder": 1000,
    "allForceOrder": 1000,
}


@dataclass(frozen=True, slots=True)
class StreamName:
    """One market stream: its label, kind, symbol (upper case; None: all symbols), push
    interval in milliseconds (None: real time) and its kind's detail."""

    name: str
    kind: str
    symbol: str | None
    interval_ms: int | None
    kline_interval: str | None = None
    levels: int | None = None


def normalize(name: str) -> str:
    """The symbol part lower-cased, the rest as written (an all-market name as written)."""
    if name.startswith("!"):
        return name
    symbol, at, rest = name.partition("@")
    return f"{symbol.lower()}{at}{rest}"


def parse(name: str) -> StreamName | None:
    """The stream `name` names, or None when the docs have no such stream."""
    label = normalize(name)
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(label)
        if match is None:
            continue
        found = match.groupdict()
        symbol = found.get("symbol")
        upper = symbol.upper() if symbol else None
        if kind == "kline":
            if found["interval"] not in KLINE_INTERVALS:
                return None
            return StreamName(label, kind, upper, 250, kline_interval=found["interval"])
        if kind in ("partialDepth", "diffDepth"):
            levels = int(found["levels"]) if found.get("levels") else None
            if levels is not None and levels not in PARTIAL_DEPTH_LEVELS:
                return None
            return StreamName(label, kind, upper, _SPEEDS[found.get("speed") or ""],
                              levels=levels)
        cadence = _CADENCE.get(kind)
        if found.get("fast"):
            cadence = 1000
        return StreamName(label, kind, upper, cadence)
    return None
