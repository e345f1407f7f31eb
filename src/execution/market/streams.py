"""The venue's market stream names (lower-case symbol, as the docs spell them)."""

from __future__ import annotations

from execution.errors import ValidationError
from execution.rules import normalize_symbol

KLINE_INTERVALS = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h",
                   "1d", "3d", "1w", "1M")
DEPTH_SPEEDS = ("250ms", "500ms", "100ms")  # 250 ms is the plain `@depth`


def _base(symbol: str) -> str:
    return normalize_symbol(symbol).lower()


def mark_price(symbol: str, every_second: bool = False) -> str:
    """`<symbol>@markPrice` (3 s) or `<symbol>@markPrice@1s`."""
    return f"{_base(symbol)}@markPrice" + ("@1s" if every_second else "")


def book_ticker(symbol: str) -> str:
    return f"{_base(symbol)}@bookTicker"


def agg_trade(symbol: str) -> str:
    return f"{_base(symbol)}@aggTrade"


def kline(symbol: str, interval: str = "1m") -> str:
    if interval not in KLINE_INTERVALS:
        raise ValidationError("interval", interval, f"one of {', '.join(KLINE_INTERVALS)}")
    return f"{_base(symbol)}@kline_{interval}"


def diff_depth(symbol: str, speed: str = "250ms") -> str:
    """`<symbol>@depth` (250 ms), `@depth@500ms` or `@depth@100ms`."""
    if speed not in DEPTH_SPEEDS:
        raise ValidationError("speed", speed, f"one of {', '.join(DEPTH_SPEEDS)}")
    return f"{_base(symbol)}@depth" + ("" if speed == "250ms" else f"@{speed}")


def combined_url(ws_url: str, streams: list[str]) -> str:
    """The combined-stream address (`/stream?streams=a/b`; `/stream` for none yet)."""
    base = ws_url.rstrip("/") + "/stream"
    return f"{base}?streams={'/'.join(streams)}" if streams else base
