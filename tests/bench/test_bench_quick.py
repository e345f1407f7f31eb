"""The benchmark harness runs end to end (tiny sizes; no timing is asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `bench` is a top-level folder, not an installed package
    sys.path.insert(0, str(ROOT))

from bench.__main__ import main  # noqa: E402
from bench.contenders import ALL_CONTENDERS  # noqa: E402
from bench.report import render  # noqa: E402
from bench.run import RunOptions, run_all  # noqa: E402


def test_round_trips_and_overhead_run_for_every_contender() -> None:
    options = RunOptions(
        quick=True, scale=0.05, skip=frozenset({"components"}), in_flight_levels=(1, 4),
        overhead_iterations=5,
    )
    report = run_all(options, progress=lambda message: None)

    assert report.problems == []
    assert report.round_trips is not None
    for pattern in report.round_trips.patterns:
        by_contender = report.round_trips.samples[pattern.label]
        assert set(by_contender) == set(ALL_CONTENDERS)
        for name, samples in by_contender.items():
            assert samples.errors == 0, f"{name}: {samples.first_error}"
            assert len(samples.latencies_ns) == pattern.rounds * pattern.orders_per_block
    assert {item.contender for item in report.overheads} >= {
        "floor v1 (HMAC)", "client v3 (EIP-712)", "ccxt aster (EIP-712)"
    }
    text = render(report)
    assert "## Targets" in text and "## Order round trips" in text


def test_command_writes_the_results_file(tmp_path: Path) -> None:
    output = tmp_path / "results.md"
    status = main([
        "--quick", "--skip", "roundtrip,components", "--overhead-iterations", "3",
        "--output", str(output),
    ])
    assert status == 0
    text = output.read_text(encoding="utf-8")
    assert "## Machine" in text and "Python" in text
