"""money.py: user input to Decimal, float only through str(), nothing non-finite."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execution import ValidationError
from execution.money import format_decimal, non_negative, positive, to_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1, Decimal("0.1")),
        (1e-7, Decimal("1E-7")),
        (50000.5, Decimal("50000.5")),
        (3, Decimal(3)),
        (-2, Decimal(-2)),
        ("  1.25 ", Decimal("1.25")),
        ("1e3", Decimal(1000)),
        (Decimal("0.30"), Decimal("0.30")),
    ],
)
def test_converts(value: Any, expected: Decimal) -> None:
    result = to_decimal(value)
    assert type(result) is Decimal and result == expected


def test_float_goes_through_str_not_the_binary_expansion() -> None:
    assert to_decimal(0.1) != Decimal(0.1)  # noqa: RUF032 (the binary expansion, on purpose)
    assert str(to_decimal(0.1)) == "0.1"
    assert to_decimal(0.1) + to_decimal(0.2) == Decimal("0.3")


@pytest.mark.parametrize(
    "value",
    [
        float("nan"), float("inf"), float("-inf"), "nan", "NaN", "sNaN", "inf", "-Infinity",
        Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"),
    ],
    ids=repr,
)
def test_rejects_non_finite(value: Any) -> None:
    with pytest.raises(ValidationError) as error:
        to_decimal(value, "price")
    assert error.value.field == "price"
    assert "finite" in error.value.rule or "decimal" in error.value.rule


@pytest.mark.parametrize(
    "value", [True, False, None, "", "abc", "1,5", "0x10", b"1", [1], {"a": 1}, 1j], ids=repr
)
def test_rejects_garbage(value: Any) -> None:
    with pytest.raises(ValidationError) as error:
        to_decimal(value, "quantity")
    assert error.value.field == "quantity"
    assert error.value.value is value


def test_validation_error_is_a_value_error_and_an_execution_error() -> None:
    from execution import ExecutionError

    with pytest.raises(ValueError):
        to_decimal("x")
    with pytest.raises(ExecutionError):
        to_decimal("x")


def test_positive_and_non_negative() -> None:
    assert positive("0.001", "q") == Decimal("0.001")
    assert non_negative(0, "q") == 0
    for bad in (0, "0", -1):
        with pytest.raises(ValidationError, match="greater than 0"):
            positive(bad, "q")
    with pytest.raises(ValidationError, match="negative"):
        non_negative("-0.1", "q")


@pytest.mark.parametrize(
    ("value", "text"),
    [("0", "0"), ("0.000", "0"), ("1.500", "1.5"), ("1E+3", "1000"), ("1E-8", "0.00000001")],
)
def test_format_decimal(value: str, text: str) -> None:
    assert format_decimal(Decimal(value)) == text


# Magnitudes from 1e21 up are refused (see test_out_of_range_is_refused).
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e20, max_value=1e20))
def test_any_finite_float_round_trips_through_its_repr(value: float) -> None:
    result = to_decimal(value)
    assert float(result) == value
    assert result == Decimal(repr(value))


@given(st.decimals(allow_nan=False, allow_infinity=False).filter(lambda d: abs(d) < 10**21))
def test_finite_decimals_pass_unchanged(value: Decimal) -> None:
    assert to_decimal(value) is value


@pytest.mark.parametrize("value", ["1e21", "-1e400", 1e300, Decimal("1E+21"), 10**21])
def test_out_of_range_is_refused(value: object) -> None:
    with pytest.raises(ValidationError, match="out of range"):
        to_decimal(value)  # type: ignore[arg-type]
