"""Every invalid input raises ValidationError naming its field; nothing returns a silent zero."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from execution import OrderSide, ValidationError
from execution.sizing import PositionSizer, SizingMethod

NOT_FINITE: list[Any] = [
    float("nan"),
    float("inf"),
    float("-inf"),
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
]
NOT_A_NUMBER: list[Any] = ["", "abc", "1,5", None, True, False, [1], object()]
NOT_POSITIVE: list[Any] = [0, "0", 0.0, Decimal("-0"), -1, "-0.01", Decimal("-5")]
BAD_POSITIVE = NOT_FINITE + NOT_A_NUMBER + NOT_POSITIVE

VALID_CALLS: dict[SizingMethod, dict[str, Any]] = {
    SizingMethod.FIXED_PERCENTAGE: {"entry_price": 100, "position_percent": 5},
    SizingMethod.KELLY: {"entry_price": 100, "win_rate": "0.6", "avg_win": 2, "avg_loss": 1},
    SizingMethod.VOLATILITY: {"entry_price": 100, "volatility": "0.4", "target_volatility": "0.2"},
    SizingMethod.RISK_BASED: {"entry_price": 100, "stop_loss_price": 95, "risk_percent": 1},
    SizingMethod.ATR_BASED: {"entry_price": 100, "atr": 2, "atr_multiplier": 2, "risk_percent": 1},
}

POSITIVE_FIELDS = [
    (SizingMethod.FIXED_PERCENTAGE, "entry_price"),
    (SizingMethod.FIXED_PERCENTAGE, "position_percent"),
    (SizingMethod.KELLY, "entry_price"),
    (SizingMethod.KELLY, "avg_win"),
    (SizingMethod.KELLY, "avg_loss"),
    (SizingMethod.VOLATILITY, "entry_price"),
    (SizingMethod.VOLATILITY, "volatility"),
    (SizingMethod.VOLATILITY, "target_volatility"),
    (SizingMethod.VOLATILITY, "base_percent"),
    (SizingMethod.RISK_BASED, "entry_price"),
    (SizingMethod.RISK_BASED, "stop_loss_price"),
    (SizingMethod.RISK_BASED, "risk_percent"),
    (SizingMethod.ATR_BASED, "entry_price"),
    (SizingMethod.ATR_BASED, "atr"),
    (SizingMethod.ATR_BASED, "atr_multiplier"),
    (SizingMethod.ATR_BASED, "risk_percent"),
]


def sizer() -> PositionSizer:
    return PositionSizer(10_000, leverage=3)


def test_valid_calls_work() -> None:
    for method, params in VALID_CALLS.items():
        assert sizer().calculate(method, **params).quantity > 0


@pytest.mark.parametrize(("method", "field"), POSITIVE_FIELDS)
@pytest.mark.parametrize("bad", BAD_POSITIVE, ids=repr)
def test_method_fields_reject_bad_numbers(method: SizingMethod, field: str, bad: Any) -> None:
    if bad is None and field in ("base_percent", "risk_percent"):
        return  # None means "the default" for these two
    params = {**VALID_CALLS[method], field: bad}
    with pytest.raises(ValidationError) as error:
        sizer().calculate(method, **params)
    assert error.value.field == field
    assert field in str(error.value)


@pytest.mark.parametrize(
    "bad", [*NOT_FINITE, *NOT_A_NUMBER, 0, -1, "0.0001x", 101, "100.01"], ids=repr
)
@pytest.mark.parametrize("field", ["max_risk_percent", "max_position_percent"])
def test_constructor_percent_limits(field: str, bad: Any) -> None:
    with pytest.raises(ValidationError) as error:
        PositionSizer(10_000, **{field: bad})
    assert error.value.field == field


@pytest.mark.parametrize("bad", BAD_POSITIVE, ids=repr)
def test_constructor_balance(bad: Any) -> None:
    with pytest.raises(ValidationError) as error:
        PositionSizer(bad)
    assert error.value.field == "account_balance"


@pytest.mark.parametrize(
    "bad", [0, 126, 2.5, "2.5", Decimal("2.5"), -3, "abc", True, None, float("nan"), 1000]
)
def test_leverage(bad: Any) -> None:
    with pytest.raises(ValidationError) as error:
        PositionSizer(10_000, leverage=bad)
    assert error.value.field == "leverage"


@pytest.mark.parametrize("good", [1, 125, "20", 3.0, Decimal("7")])
def test_leverage_accepts_whole_numbers(good: Any) -> None:
    assert PositionSizer(10_000, leverage=good).leverage == int(Decimal(str(good)))


@pytest.mark.parametrize("field", ["fee_rate", "maintenance_margin_rate"])
@pytest.mark.parametrize("bad", [-0.001, 1, 2, "nan", "x", None, True])
def test_rates(field: str, bad: Any) -> None:
    with pytest.raises(ValidationError) as error:
        PositionSizer(10_000, **{field: bad})
    assert error.value.field == field


def test_symbol_rules_type() -> None:
    with pytest.raises(ValidationError) as error:
        PositionSizer(10_000, symbol_rules={"tick_size": "0.1"})  # type: ignore[arg-type]
    assert error.value.field == "symbol_rules"


@pytest.mark.parametrize("bad", [0, 1, -0.1, 1.5, "1", "0", "nan", None])
def test_kelly_win_rate_outside_the_open_interval(bad: Any) -> None:
    with pytest.raises(ValidationError) as error:
        sizer().kelly_criterion(100, bad, 2, 1)
    assert error.value.field == "win_rate"


@pytest.mark.parametrize("bad", [0, -0.5, "1.01", 2, "nan"])
def test_kelly_fraction(bad: Any) -> None:
    with pytest.raises(ValidationError) as error:
        sizer().kelly_criterion(100, "0.6", 2, 1, fraction=bad)
    assert error.value.field == "fraction"


@pytest.mark.parametrize("bad", [101, "100.5", 0, -1])
def test_risk_percent_outside_zero_to_hundred(bad: Any) -> None:
    with pytest.raises(ValidationError) as error:
        sizer().risk_based(100, 95, bad)
    assert error.value.field == "risk_percent"


@pytest.mark.parametrize(
    ("side", "stop"),
    [(OrderSide.BUY, 100), (OrderSide.BUY, 101), (OrderSide.SELL, 100), (OrderSide.SELL, 99)],
)
def test_stop_on_the_wrong_side(side: OrderSide, stop: int) -> None:
    with pytest.raises(ValidationError) as error:
        sizer().risk_based(100, stop, side=side)
    assert error.value.field == "stop_loss_price"
    assert "entry price" in error.value.rule


def test_atr_stop_below_zero() -> None:
    with pytest.raises(ValidationError) as error:
        sizer().atr_based(100, 50, 2)
    assert error.value.field == "atr"
    assert sizer().atr_based(100, 50, 2, side=OrderSide.SELL).stop_price == Decimal(200)


@pytest.mark.parametrize("bad", ["LONG", "", None, 1, "B"])
def test_side(bad: Any) -> None:
    with pytest.raises(ValidationError) as error:
        sizer().fixed_percentage(100, 5, side=bad)
    assert error.value.field == "side"


def test_no_float_ever_comes_back() -> None:
    for method, params in VALID_CALLS.items():
        floats = {name: float(value) for name, value in params.items()}
        result = sizer().calculate(method, **floats)
        for name in ("quantity", "notional", "margin", "position_percent", "risk_amount",
                     "risk_percent", "liquidation_price", "requested_position_percent"):
            assert type(getattr(result, name)) is Decimal, name


def test_a_stop_distance_below_the_precision_is_an_error_not_a_division_by_zero() -> None:
    sizer = PositionSizer(10_000)
    with pytest.raises(ValidationError) as caught:
        sizer.atr_based(1, atr=1, atr_multiplier="1e-169")
    assert caught.value.field == "atr"
