"""Market indicators the sizer needs: the average true range with Wilder's smoothing.

True range `TR = max(H - L, |H - prevC|, |L - prevC|)`, the first bar's TR being `H - L`; the
first ATR is the mean of the first `period` TRs, then `ATR_t = (ATR_{t-1} * (n - 1) + TR_t) / n`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from execution.errors import ValidationError
from execution.money import Number, positive

Bar = Sequence[Number] | Mapping[str, Number] | Any
"""A (high, low, close) sequence, a mapping with those keys, or an object with those fields."""

DEFAULT_ATR_PERIOD = 14


def _field(bar: Any, index: int, name: str) -> Any:
    if isinstance(bar, Mapping):
        if name not in bar:
            raise ValidationError(name, bar, "missing from the OHLC row")
        return bar[name]
    if isinstance(bar, Sequence) and not isinstance(bar, str | bytes):
        if len(bar) != 3:
            raise ValidationError("row", bar, "must be (high, low, close)")
        return bar[index]
    if not hasattr(bar, name):
        raise ValidationError(name, bar, "missing from the OHLC row")
    return getattr(bar, name)


def parse_bar(bar: Bar, position: int = 0) -> tuple[Decimal, Decimal, Decimal]:
    """(high, low, close) of one row as Decimals, checked: high >= close >= low > 0."""
    high = positive(_field(bar, 0, "high"), f"rows[{position}].high")
    low = positive(_field(bar, 1, "low"), f"rows[{position}].low")
    close = positive(_field(bar, 2, "close"), f"rows[{position}].close")
    if high < low:
        raise ValidationError(f"rows[{position}].high", high, f"is below the low {low}")
    if not low <= close <= high:
        raise ValidationError(
            f"rows[{position}].close", close, f"is outside the bar's range [{low}, {high}]"
        )
    return high, low, close


def true_ranges(rows: Iterable[Bar]) -> list[Decimal]:
    """The true range of every row (the first row's is its high minus its low)."""
    ranges: list[Decimal] = []
    previous_close: Decimal | None = None
    for position, bar in enumerate(rows):
        high, low, close = parse_bar(bar, position)
        span = high - low
        if previous_close is not None:
            span = max(span, abs(high - previous_close), abs(low - previous_close))
        ranges.append(span)
        previous_close = close
    return ranges


def average_true_range(rows: Iterable[Bar], period: int = DEFAULT_ATR_PERIOD) -> Decimal:
    """Wilder's ATR of the last row; needs at least `period` rows."""
    if isinstance(period, bool) or not isinstance(period, int) or period < 1:
        raise ValidationError("period", period, "must be a whole number of at least 1")
    ranges = true_ranges(rows)
    if len(ranges) < period:
        raise ValidationError(
            "rows", len(ranges), f"needs at least {period} rows for a {period}-period ATR"
        )
    n = Decimal(period)
    atr = sum(ranges[:period], Decimal(0)) / n
    keep = n - 1
    for span in ranges[period:]:
        atr = (atr * keep + span) / n
    return atr
