"""The equity curve: a PNG with matplotlib, a clear error without it, a text sparkline."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from execution.errors import ConfigurationError
from execution.ledger.plot import PlotUnavailableError, plot_equity, sparkline
from execution.ledger.summary import EquityPoint

D = Decimal
POINTS = [EquityPoint(1_000, D(0)), EquityPoint(61_000, D("2.5")), EquityPoint(121_000, D(-1))]


def test_without_matplotlib_the_plot_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    with pytest.raises(PlotUnavailableError, match=r"aster-execution\[plot\]") as raised:
        plot_equity(POINTS, tmp_path / "equity.png")
    assert isinstance(raised.value, ConfigurationError)
    assert not (tmp_path / "equity.png").exists()


def test_with_matplotlib_a_png_is_drawn(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = plot_equity(POINTS, tmp_path / "equity.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_a_sparkline_spans_lowest_to_highest() -> None:
    assert sparkline([D(1), D(2), D(3)]) == "▁▄█"
    assert sparkline([D(5), D(5)]) == "▅▅"
    assert sparkline([]) == ""
    assert len(sparkline([D(i) for i in range(500)], width=40)) == 40
