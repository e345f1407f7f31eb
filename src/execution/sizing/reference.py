"""The reference table: the five methods on one account, as data and as printable cells.

E = 10,000 USDT, P = 50,000 (BTC), max risk 2%, max position 10%, leverage 3, no fees and no
exchange rounding. The CLI (`aster-exec size --table`) and the demo print it; the tests hold
it to the documented figures digit for digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from execution.sizing.result import SizingMethod, SizingResult
from execution.sizing.sizer import PositionSizer

REFERENCE_EQUITY = Decimal(10_000)
REFERENCE_PRICE = Decimal(50_000)
REFERENCE_LEVERAGE = 3
REFERENCE_COLUMNS = ("method", "inputs", "quantity", "notional", "margin", "risk %", "valid")


def _trimmed(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _grouped(value: Decimal) -> str:
    """1500 -> "1,500"; 1666.666 -> "1,666.67"."""
    return _trimmed(f"{value:,.2f}")


def _percent(value: Decimal) -> str:
    """16.666 -> "16.7"; 14 -> "14"."""
    return _trimmed(f"{value:.1f}")


@dataclass(frozen=True, slots=True)
class ReferenceRow:
    """One method's line of the reference table: its inputs, its result and its verdict."""

    label: str
    inputs: str
    result: SizingResult
    valid: bool
    max_position_percent: Decimal
    risk_note: str = ""

    @property
    def method(self) -> SizingMethod:
        return self.result.method

    @property
    def quantity_text(self) -> str:
        return _trimmed(f"{self.result.quantity:f}")

    @property
    def notional_text(self) -> str:
        return _grouped(self.result.notional)

    @property
    def margin_text(self) -> str:
        text = _grouped(self.result.margin)
        if self.result.capped:
            requested = _percent(self.result.requested_position_percent)
            text += f" ({requested}% capped to {_percent(self.max_position_percent)}%)"
        return text

    @property
    def risk_percent_text(self) -> str:
        text = f"{self.result.risk_percent:.2f}"
        return f"{text} ({self.risk_note})" if self.risk_note else text

    @property
    def valid_text(self) -> str:
        return "yes" if self.valid else "no"

    def cells(self) -> tuple[str, str, str, str, str, str, str]:
        """The row's cells in `REFERENCE_COLUMNS` order."""
        return (
            self.label,
            self.inputs,
            self.quantity_text,
            self.notional_text,
            self.margin_text,
            self.risk_percent_text,
            self.valid_text,
        )


def reference_sizer() -> PositionSizer:
    """The sizer of the reference table."""
    return PositionSizer(REFERENCE_EQUITY, leverage=REFERENCE_LEVERAGE)


def reference_table() -> list[ReferenceRow]:
    """The five rows of the reference table, computed by the sizer itself."""
    sizer = reference_sizer()
    price = REFERENCE_PRICE
    atr = sizer.atr_based(price, 800, 2)
    cases: list[tuple[str, str, SizingResult]] = [
        ("fixed %", "5%", sizer.fixed_percentage(price, 5)),
        (
            "Kelly",
            "p=0.55, win 500, loss 300, half",
            sizer.kelly_criterion(price, "0.55", 500, 300, "0.5"),
        ),
        ("volatility", "vol 0.04, target 0.02", sizer.volatility_based(price, "0.04", "0.02")),
        ("risk-based", "stop 48,000, risk 2%", sizer.risk_based(price, 48_000, 2)),
        ("ATR-based", f"ATR 800, x2 (stop {_grouped(atr.stop_price or price)})", atr),
    ]
    rows: list[ReferenceRow] = []
    noted = False
    for label, inputs, result in cases:
        # The first row without a stop explains, once, where its risk figure comes from.
        note = ""
        if result.stop_price is None and not noted:
            note, noted = "no stop: margin", True
        rows.append(
            ReferenceRow(
                label=label,
                inputs=inputs,
                result=result,
                valid=sizer.validate_position_size(result),
                max_position_percent=sizer.max_position_percent,
                risk_note=note,
            )
        )
    return rows


def format_reference_table() -> str:
    """The reference table as Markdown, as `SIZING.md` prints it."""
    lines = [
        "| " + " | ".join(REFERENCE_COLUMNS) + " |",
        "| " + " | ".join("---" for _ in REFERENCE_COLUMNS) + " |",
    ]
    lines.extend("| " + " | ".join(row.cells()) + " |" for row in reference_table())
    return "\n".join(lines)
