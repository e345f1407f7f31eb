"""Position sizer throughput: calls per second for each method, rounding and verdict included.

    python -m bench.bench_sizing [--quick]

The sizer carries BTCUSDT-like exchange rules, so every call also rounds the quantity to the
step, the stop to the tick, and checks the minimums. Inputs are Decimals, as a strategy that
keeps prices in Decimal passes them; one row shows the cost of string and float inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bench.harness import best_seconds, quick_option
from execution import OrderSide, SymbolRules
from execution.sizing import PositionSizer, SizingMethod

SIZER_MIN_CALLS_PER_S = "sizer calls/s (slowest method)"  # the key bench.components reads
TARGET_CALLS_PER_S = 50_000

D = Decimal
RULES = SymbolRules(
    symbol="BTCUSDT",
    tick_size=D("0.1"),
    step_size=D("0.001"),
    min_qty=D("0.001"),
    max_qty=D(1000),
    min_notional=D(5),
)


def _cases(sizer: PositionSizer) -> list[tuple[str, Callable[[], object], bool]]:
    """(name, call, counts toward the target)."""
    price, stop = D("50012.3"), D("48011.7")
    return [
        ("fixed_percentage", lambda: sizer.fixed_percentage(price, D(5)), True),
        (
            "kelly_criterion",
            lambda: sizer.kelly_criterion(price, D("0.55"), D(500), D(300), D("0.5")),
            True,
        ),
        (
            "volatility_based",
            lambda: sizer.volatility_based(price, D("0.04"), D("0.02")),
            True,
        ),
        ("risk_based", lambda: sizer.risk_based(price, stop, D("1.5")), True),
        (
            "atr_based",
            lambda: sizer.atr_based(price, D("812.4"), D(2), D("1.5"), side=OrderSide.SELL),
            True,
        ),
        (
            "risk_based, str and float inputs",
            lambda: sizer.risk_based("50012.3", 48011.7, "1.5"),
            False,
        ),
        (
            "calculate(RISK_BASED, ...) dispatch",
            lambda: sizer.calculate(
                SizingMethod.RISK_BASED, entry_price=price, stop_loss_price=stop
            ),
            False,
        ),
    ]


def _best_rates(calls: list[Callable[[], object]], number: int, repeats: int) -> list[float]:
    """Calls/s of each call (`best_seconds`: the calls take turns in each round)."""
    return [number / seconds for seconds in best_seconds(calls, number, repeats)]


def run(quick: bool = False) -> list[dict[str, Any]]:
    """One measurement per method: `name`, `value` (calls/s), `unit`, `note`, `metric`."""
    number, repeats = (1_000, 5) if quick else (4_000, 15)
    sizer = PositionSizer(10_000, leverage=3, symbol_rules=RULES)
    cases = _cases(sizer)
    result = sizer.risk_based(D("50012.3"), D("48011.7"))
    cases.append(("validate_position_size", lambda: sizer.validate_position_size(result), False))
    rates = _best_rates([call for _, call, _ in cases], number, repeats)
    measured: list[dict[str, Any]] = []
    for (name, _, counted), rate in zip(cases, rates, strict=True):
        entry: dict[str, Any] = {
            "name": name,
            "value": rate,
            "unit": "calls/s",
            "note": f"{1e6 / rate:.1f} µs/call",
        }
        if counted:
            entry["metric"] = SIZER_MIN_CALLS_PER_S
        measured.append(entry)
    return measured


def main() -> None:
    rows = run(quick=quick_option(__doc__.splitlines()[0]))
    width = max(len(row["name"]) for row in rows)
    print(f"{'sizer call':<{width}}  {'calls/s':>10}  {'µs/call':>8}  target")
    for row in rows:
        target = ""
        if row.get("metric"):
            target = "ok" if row["value"] >= TARGET_CALLS_PER_S else "MISSED"
            target += f" (>= {TARGET_CALLS_PER_S:,})"
        micros = 1e6 / row["value"]
        print(f"{row['name']:<{width}}  {row['value']:>10,.0f}  {micros:>8.1f}  {target}")


if __name__ == "__main__":
    main()
