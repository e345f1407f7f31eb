"""Wilder's ATR against a hand-computed example, and the validation of OHLC rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from execution import ValidationError
from execution.indicators import average_true_range, true_ranges

D = Decimal

# (high, low, close). True ranges by hand:
#   bar 1: H-L = 2                               (first bar)
#   bar 2: max(2, |11-9|=2, |9-9|=0) = 2
#   bar 3: max(2.5, |13-10.5|=2.5, |10.5-10.5|=0) = 2.5
#   bar 4: max(1.5, |12.5-12|=0.5, |11-12|=1) = 1.5
#   bar 5: max(1, |15-11.5|=3.5, |14-11.5|=2.5) = 3.5   (gap up)
#   bar 6: max(1, |13-14.5|=1.5, |12-14.5|=2.5) = 2.5   (gap down)
ROWS = [
    (10, 8, 9),
    (11, 9, "10.5"),
    (13, "10.5", 12),
    ("12.5", 11, "11.5"),
    (15, 14, "14.5"),
    (13, 12, "12.5"),
]


def test_true_ranges_by_hand() -> None:
    assert true_ranges(ROWS) == [D(2), D(2), D("2.5"), D("1.5"), D("3.5"), D("2.5")]


def test_wilder_period_two_exactly() -> None:
    # first ATR = (2 + 2) / 2 = 2, then (prev * 1 + TR) / 2:
    # 2.25, 1.875, 2.6875, 2.59375
    assert average_true_range(ROWS, period=2) == D("2.59375")
    assert average_true_range(ROWS[:2], period=2) == D(2)
    assert average_true_range(ROWS[:3], period=2) == D("2.25")


def test_wilder_period_three_against_fractions() -> None:
    # 13/6, then 35/18, 133/54, 401/162
    atr = average_true_range(ROWS, period=3)
    assert type(atr) is Decimal
    assert abs(atr - D(401) / D(162)) < D("1e-25")


def test_period_equal_to_rows_is_the_plain_mean() -> None:
    assert average_true_range(ROWS, period=6) == D(14) / D(6)


@dataclass
class Candle:
    high: Any
    low: Any
    close: Any


def test_rows_as_mappings_and_objects() -> None:
    mappings = [{"high": h, "low": low, "close": c, "open": 0} for h, low, c in ROWS]
    objects = [Candle(h, low, c) for h, low, c in ROWS]
    floats = [(float(h), float(low), float(c)) for h, low, c in ROWS]
    expected = average_true_range(ROWS, period=2)
    assert average_true_range(mappings, period=2) == expected
    assert average_true_range(objects, period=2) == expected
    assert average_true_range(iter(floats), period=2) == expected


def test_too_few_rows() -> None:
    with pytest.raises(ValidationError) as error:
        average_true_range(ROWS, period=7)
    assert error.value.field == "rows"
    with pytest.raises(ValidationError):
        average_true_range([], period=1)


@pytest.mark.parametrize("period", [0, -1, 2.0, "3", True, None])
def test_bad_period(period: Any) -> None:
    with pytest.raises(ValidationError) as error:
        average_true_range(ROWS, period=period)
    assert error.value.field == "period"


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ((8, 10, 9), "rows[1].high"),  # high below low
        ((10, 8, 11), "rows[1].close"),  # close above the high
        ((10, 8, 7), "rows[1].close"),  # close below the low
        ((10, -8, 9), "rows[1].low"),
        (("nan", 8, 9), "rows[1].high"),
        ((10, 8, float("inf")), "rows[1].close"),
        ((10, 8), "row"),
        ({"high": 10, "low": 8}, "close"),
        (object(), "high"),
    ],
)
def test_bad_rows(row: Any, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        average_true_range([(10, 8, 9), row, (10, 8, 9)], period=1)
    assert error.value.field == field


def test_atr_feeds_the_sizer() -> None:
    from execution.sizing import PositionSizer

    atr = average_true_range(ROWS, period=2)
    result = PositionSizer(10_000, leverage=3).atr_based(D("12.5"), atr, 2)
    assert result.stop_price == D("12.5") - atr * 2
