"""Runs the parts of the benchmark in order and collects one `Report`."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import overhead
from bench.components import ComponentResults, _rows_from, run_components
from bench.contenders import ALL_CONTENDERS, CLIENT_V1, CLIENT_V3, build_contenders
from bench.machine import describe, load_average
from bench.report import Report
from bench.roundtrip import Contender, patterns_for, run_round_trips
from bench.sim_process import SimulatorProcess

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class RunOptions:
    quick: bool = False
    scale: float = 1.0
    skip: frozenset[str] = frozenset()
    contenders: tuple[str, ...] = ()
    in_flight_levels: tuple[int, ...] = (1, 8, 64)
    overhead_iterations: int | None = None
    output: Path | None = None


def _problem(error: BaseException) -> str:
    return traceback.format_exception_only(error)[-1].strip()


def _selected(options: RunOptions) -> tuple[str, ...]:
    if not options.contenders:
        return ALL_CONTENDERS
    wanted = [name.strip().lower() for name in options.contenders]
    chosen = tuple(
        name for name in ALL_CONTENDERS if any(name.lower().startswith(w) for w in wanted)
    )
    if not chosen:
        raise SystemExit(f"no contender matches {options.contenders}; known: {ALL_CONTENDERS}")
    return chosen


async def _round_trips(options: RunOptions, report: Report, progress: Progress) -> None:
    names = _selected(options)
    patterns = patterns_for(
        options.scale, quick=options.quick, in_flight_levels=options.in_flight_levels
    )
    async with SimulatorProcess(accounts=len(names)) as info:
        progress(f"simulator up (pid {info.pid}) at {info.rest_url}")
        try:
            contenders = build_contenders(info, names)
        except ImportError as error:  # the client cannot be built: race the others
            report.problems.append(f"client contenders left out: {_problem(error)}")
            names = tuple(n for n in names if n not in (CLIENT_V1, CLIENT_V3))
            contenders = build_contenders(info, names)
        started: list[Contender] = []
        try:
            for contender in contenders:
                try:
                    await contender.start()
                except Exception as error:
                    report.problems.append(f"{contender.name} did not start: {_problem(error)}")
                    continue
                started.append(contender)
            report.round_trip_order = (
                f"{info.symbol} LIMIT BUY GTC, resting 5% under the mark "
                f"({info.mark_price}), one simulator account per contender"
            )
            report.round_trips = await run_round_trips(
                started, patterns, simulator_pid=info.pid,
                warm_up_orders=8 if options.quick else 32,
                progress=lambda label: progress(f"round trips: {label}"),
            )
        finally:
            for contender in started:
                try:
                    await contender.close()
                except Exception as error:
                    report.problems.append(f"{contender.name} close: {_problem(error)}")


def run_all(options: RunOptions, progress: Progress) -> Report:
    """Every part not skipped; failures become notes in the report, not crashes."""
    report = Report(machine=describe(), quick=options.quick, scale=options.scale)
    if "overhead" not in options.skip:
        try:
            iterations = options.overhead_iterations or (300 if options.quick else 3000)
            report.overheads = asyncio.run(overhead.measure(iterations))
        except Exception as error:
            report.problems.append(f"overhead bench failed: {_problem(error)}")
        progress("client overhead without the network")
    if "roundtrip" not in options.skip:
        try:
            asyncio.run(_round_trips(options, report, progress))
        except Exception as error:
            report.problems.append(f"round trips failed: {_problem(error)}")
    if "components" not in options.skip:
        components = run_components(quick=options.quick, progress=progress)
        report.components = components
        report.problems.extend(components.problems)
    if "store" not in options.skip:  # SQLite next to PostgreSQL (bench/bench_store.py)
        stores = ComponentResults()
        _rows_from("Order store", "bench.bench_store", stores, options.quick)
        if report.components is None:
            report.components = ComponentResults()
        report.components.rows.extend(stores.rows)
        report.problems.extend(stores.problems)
        progress("order stores")
    report.load_at_end = load_average()
    return report
