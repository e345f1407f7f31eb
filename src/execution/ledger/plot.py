"""The equity curve as a PNG (`aster-exec pnl --plot FILE.png`) and as a line of text
(a unicode sparkline, for the demo's output).

Drawing needs matplotlib (the optional extra `plot`: `pip install 'aster-execution[plot]'`),
used with its non-interactive Agg backend; without it `PlotUnavailableError` says how to
install it. The sparkline needs nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from execution.errors import ConfigurationError
from execution.ledger.summary import EquityPoint

_BARS = "▁▂▃▄▅▆▇█"


class PlotUnavailableError(ConfigurationError):
    """matplotlib is not installed: the plot extra is needed."""


def sparkline(values: Sequence[Decimal], width: int = 60) -> str:
    """`values` as one line of block characters, lowest ▁ to highest █ (at most `width`
    characters: longer series are sampled evenly, first and last kept)."""
    if not values:
        return ""
    if len(values) > width > 1:
        step = (len(values) - 1) / (width - 1)
        values = [values[round(i * step)] for i in range(width)]
    low, high = min(values), max(values)
    if high == low:
        return _BARS[len(_BARS) // 2] * len(values)
    top = len(_BARS) - 1
    return "".join(_BARS[int((v - low) * top / (high - low))] for v in values)


def plot_equity(points: Sequence[EquityPoint], path: Path, *, title: str = "Equity") -> Path:
    """Draw the cumulative net PnL over time into the PNG `path`; returns it."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError as exc:
        raise PlotUnavailableError(
            "drawing the equity curve needs matplotlib: pip install 'aster-execution[plot]'"
        ) from exc
    # matplotlib's dates: days since 1970-01-01 (its epoch by default since 3.3)
    times = [p.time / 86_400_000 for p in points]
    # Decimal to float for drawing only: the figures themselves stay exact elsewhere.
    equity = [float(p.equity) for p in points]
    figure, axes = pyplot.subplots(figsize=(8, 4), dpi=100)
    try:
        axes.step(times, equity, where="post", color="tab:blue")
        axes.xaxis_date(tz=dt.UTC)
        axes.axhline(0, color="grey", linewidth=0.8)
        axes.set_title(title)
        axes.set_xlabel("time (UTC)")
        axes.set_ylabel("cumulative net PnL")
        axes.grid(True, alpha=0.3)
        figure.autofmt_xdate()
        figure.tight_layout()
        figure.savefig(path, format="png")
    finally:
        pyplot.close(figure)
    return path
