"""The reference table of SIZING.md, digit for digit."""

from __future__ import annotations

from decimal import Decimal

from execution import PositionSizer as LazyPositionSizer
from execution import SizingMethod as LazySizingMethod
from execution.sizing import (
    REFERENCE_COLUMNS,
    PositionSizer,
    SizingMethod,
    format_reference_table,
    reference_table,
)

EXPECTED_ROWS = [
    ("fixed %", "5%", "0.03", "1,500", "500", "5.00 (no stop: margin)", "no"),
    (
        "Kelly",
        "p=0.55, win 500, loss 300, half",
        "0.06",
        "3,000",
        "1,000 (14% capped to 10%)",
        "10.00",
        "no",
    ),
    ("volatility", "vol 0.04, target 0.02", "0.03", "1,500", "500", "5.00", "no"),
    (
        "risk-based",
        "stop 48,000, risk 2%",
        "0.06",
        "3,000",
        "1,000 (16.7% capped to 10%)",
        "1.20",
        "yes",
    ),
    (
        "ATR-based",
        "ATR 800, x2 (stop 48,400)",
        "0.06",
        "3,000",
        "1,000 (20.8% capped to 10%)",
        "0.96",
        "yes",
    ),
]

EXPECTED_MARKDOWN = """\
| method | inputs | quantity | notional | margin | risk % | valid |
| --- | --- | --- | --- | --- | --- | --- |
| fixed % | 5% | 0.03 | 1,500 | 500 | 5.00 (no stop: margin) | no |
| Kelly | p=0.55, win 500, loss 300, half | 0.06 | 3,000 | 1,000 (14% capped to 10%) | 10.00 | no |
| volatility | vol 0.04, target 0.02 | 0.03 | 1,500 | 500 | 5.00 | no |
| risk-based | stop 48,000, risk 2% | 0.06 | 3,000 | 1,000 (16.7% capped to 10%) | 1.20 | yes |
| ATR-based | ATR 800, x2 (stop 48,400) | 0.06 | 3,000 | 1,000 (20.8% capped to 10%) | 0.96 | yes |"""  # noqa: E501


def test_reference_cells_match_the_document() -> None:
    assert [row.cells() for row in reference_table()] == EXPECTED_ROWS


def test_reference_markdown_matches_the_document() -> None:
    assert format_reference_table() == EXPECTED_MARKDOWN
    assert REFERENCE_COLUMNS == (
        "method", "inputs", "quantity", "notional", "margin", "risk %", "valid"
    )


def test_reference_figures_are_exact_decimals() -> None:
    rows = {row.method: row for row in reference_table()}
    expected = {
        SizingMethod.FIXED_PERCENTAGE: ("0.03", "1500", "500", "5", False, None),
        SizingMethod.KELLY: ("0.06", "3000", "1000", "10", True, None),
        SizingMethod.VOLATILITY: ("0.03", "1500", "500", "5", False, None),
        SizingMethod.RISK_BASED: ("0.06", "3000", "1000", "1.2", True, "48000"),
        SizingMethod.ATR_BASED: ("0.06", "3000", "1000", "0.96", True, "48400"),
    }
    for method, (quantity, notional, margin, risk, capped, stop) in expected.items():
        result = rows[method].result
        assert result.quantity == Decimal(quantity)
        assert result.notional == Decimal(notional)
        assert result.margin == Decimal(margin)
        assert result.risk_percent == Decimal(risk)
        assert result.capped is capped
        assert result.stop_price == (None if stop is None else Decimal(stop))
        assert result.leverage == 3
        for value in (result.quantity, result.notional, result.margin, result.risk_amount):
            assert type(value) is Decimal


def test_reference_verdicts_and_reasons() -> None:
    sizer = PositionSizer(10_000, leverage=3)
    for row in reference_table():
        violations = sizer.check_position_size(row.result)
        assert row.valid == (not violations)
        if not row.valid:
            assert [v.rule.value for v in violations] == ["max_risk_percent"]
            assert "above the maximum 2%" in str(violations[0])
    kelly = next(r for r in reference_table() if r.method is SizingMethod.KELLY).result
    assert kelly.reasons == ("position 14% of equity capped to 10%",)
    assert kelly.requested_position_percent == Decimal(14)


def test_public_names_are_importable_from_the_package() -> None:
    assert LazyPositionSizer is PositionSizer
    assert LazySizingMethod is SizingMethod
