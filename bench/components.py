"""The component benchmarks (simulator, order manager, sizer, signing, local order book), run
in this tree.

Each lives in its own module (`bench/bench_*.py`, runnable alone); this module calls them
and turns what they report into rows of the results table and the metrics the targets
read. A module that is missing or fails is reported as such, never skipped silently.
"""

from __future__ import annotations

import asyncio
import importlib
import re
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import Row

SIMULATOR_REQUESTS_PER_S = "simulator signed order requests/s"
ORDER_MANAGER_EVENTS_PER_S = "order manager stream events/s, with its SQLite store"
ORDER_MANAGER_EVENTS_NO_STORE_PER_S = "order manager stream events/s, no store"
SIZER_MIN_CALLS_PER_S = "sizer calls/s (slowest method)"
EIP712_SIGN_US = "EIP-712 sign µs/request"
LOCAL_BOOK_UPDATES_PER_S = "local order book depth updates applied/s"


@dataclass(slots=True)
class ComponentResults:
    rows: list[Row] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _load(module_name: str, results: ComponentResults) -> Any | None:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            results.problems.append(f"`{module_name}` is missing: not measured")
        else:
            results.problems.append(f"`{module_name}` could not be imported: {error}")
    except Exception as error:
        results.problems.append(f"`{module_name}` could not be imported: {error!r}")
    return None


def _guarded(
    label: str, results: ComponentResults, action: Callable[[], None]
) -> None:
    try:
        action()
    except Exception as error:
        detail = traceback.format_exception_only(error)[-1].strip()
        results.problems.append(f"{label} failed: {detail}")


# -- simulator ----------------------------------------------------------------------------


def simulator_bench(results: ComponentResults, *, quick: bool) -> None:
    """Signed order requests per second (issue target e), by `bench/bench_simulator.py`.

    It runs as its own command (it starts the simulator in a child process and drives it
    from its own process); its summary lines are read back.
    """
    script = Path(__file__).resolve().parent / "bench_simulator.py"
    if not script.exists():
        results.problems.append("`bench/bench_simulator.py` is missing: not measured")
        return
    seconds = "2" if quick else "5"

    def run() -> None:
        completed = subprocess.run(
            [sys.executable, str(script), "--seconds", seconds],
            capture_output=True, text=True, timeout=120, check=True,
            cwd=script.parent.parent,
        )
        output = completed.stdout
        served = re.search(r"([\d,]+) requests/s \((\d+) errors\)", output)
        per_core = re.search(r"([\d,]+) requests/s per core", output)
        if served is None:
            raise RuntimeError(f"unexpected output: {output[-300:]!r}")
        rate = float(served.group(1).replace(",", ""))
        results.metrics[SIMULATOR_REQUESTS_PER_S] = rate
        summary = next(
            (line for line in output.splitlines() if "requests/s (" in line), ""
        )
        results.rows.append(Row(
            "Simulator", "signed order requests served (create+cancel, bench_simulator)",
            f"{rate:,.0f}", "requests/s", summary.strip(),
        ))
        if per_core is not None:
            results.rows.append(Row(
                "Simulator", "signed order requests per core-second of simulator CPU",
                per_core.group(1), "requests/s", "",
            ))

    _guarded("bench_simulator", results, run)


# -- order manager ------------------------------------------------------------------------


def order_manager_bench(results: ComponentResults, *, quick: bool) -> None:
    """Stream events/s (target d), memory and lookups with many orders, store writes/s."""
    module = _load("bench.bench_order_manager", results)
    if module is None:
        return
    event_orders, tracked = (2_000, 20_000) if quick else (20_000, 100_000)
    runs = 1 if quick else 3

    def run() -> None:
        section = "Order manager"
        with tempfile.TemporaryDirectory() as directory:
            folder = Path(directory)
            # Best of a few runs taken in turns, as for the client overhead: throughput on
            # a shared machine only ever loses to interference.
            plain_runs, stored_runs = [], []
            for run_index in range(runs):
                plain_runs.append(asyncio.run(module.bench_events(event_orders, None)))
                stored_runs.append(asyncio.run(
                    module.bench_events(event_orders, folder / f"events-{run_index}.sqlite")
                ))
            plain, plain_apply = (max(rates) for rates in zip(*plain_runs, strict=True))
            stored, stored_apply = (max(rates) for rates in zip(*stored_runs, strict=True))
            small = module.bench_tracking(1_000)
            large = module.bench_tracking(tracked)
            writes, queued = asyncio.run(module.bench_store(tracked, folder / "store.sqlite"))
        events = f"{3 * event_orders:,} ORDER_TRADE_UPDATE events, best of {runs} runs"
        rows = [
            ("stream events applied, parse + apply + SQLite store", stored, "events/s", events),
            ("stream events applied, parse + apply, no store", plain, "events/s", events),
            ("stream events, apply only, no store", plain_apply, "events/s", ""),
            ("stream events, apply + SQLite store", stored_apply, "events/s", ""),
            (f"memory with {tracked:,} tracked orders", large[0], "MiB",
             f"{large[0] * 1024 / tracked:.2f} KiB an order"),
            (f"lookup by order id, {tracked:,} orders", large[1], "ns",
             f"{small[1]:.0f} ns with 1,000"),
            (f"lookup by client order id, {tracked:,} orders", large[2], "ns",
             f"{small[2]:.0f} ns with 1,000"),
            ("SQLite store rows written", writes, "rows/s",
             f"caller queued {tracked:,} rows in {queued * 1000:.0f} ms"),
        ]
        for name, value, unit, note in rows:
            results.rows.append(Row(section, name, _format_number(value), unit, note))
        results.metrics[ORDER_MANAGER_EVENTS_PER_S] = stored
        results.metrics[ORDER_MANAGER_EVENTS_NO_STORE_PER_S] = plain

    _guarded("bench_order_manager", results, run)


# -- the others: modules exposing `run(quick: bool) -> list[dict]` ------------------------


def _rows_from(section: str, module_name: str, results: ComponentResults, quick: bool) -> None:
    """Modules that expose `run(quick=...)` returning measurement dicts.

    Each dict: `name`, `value` (a number), `unit`, optional `note` and optional `metric`
    (one of the metric names above, when the value is what a target reads).
    """
    module = _load(module_name, results)
    if module is None:
        return

    def run() -> None:
        runner = getattr(module, "run", None)
        if runner is None:
            raise RuntimeError(f"{module_name} has no run(quick=...) function")
        measured = runner(quick=quick)
        if asyncio.iscoroutine(measured):
            measured = asyncio.run(measured)
        for entry in measured:
            value = float(entry["value"])
            results.rows.append(Row(
                section, str(entry["name"]), _format_number(value), str(entry.get("unit", "")),
                str(entry.get("note", "")),
            ))
            metric = entry.get("metric")
            if metric:
                previous = results.metrics.get(metric)
                if metric == SIZER_MIN_CALLS_PER_S and previous is not None:
                    value = min(previous, value)
                results.metrics[metric] = value

    _guarded(module_name, results, run)


def _format_number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def run_components(*, quick: bool, progress: Callable[[str], None] | None = None) -> (
    ComponentResults
):
    results = ComponentResults()
    steps: list[tuple[str, Callable[[], None]]] = [
        ("sizer", lambda: _rows_from("Sizer", "bench.bench_sizing", results, quick)),
        ("signing", lambda: _rows_from("Signing", "bench.bench_signing", results, quick)),
        ("order manager", lambda: order_manager_bench(results, quick=quick)),
        ("simulator", lambda: simulator_bench(results, quick=quick)),
        ("unknown outcome", lambda: _rows_from(
            "Unknown outcome", "bench.bench_unknown_outcome", results, quick)),
        ("protection", lambda: _rows_from(
            "Protection", "bench.bench_protection", results, quick)),
        ("local order book", lambda: _rows_from(
            "Local order book", "bench.bench_local_book", results, quick)),
        ("rate budget", lambda: _rows_from(
            "Rate budget", "bench.bench_rate_budget", results, quick)),
    ]
    for label, step in steps:
        started = time.perf_counter()
        step()
        if progress is not None:
            progress(f"{label} ({time.perf_counter() - started:.1f} s)")
    return results
