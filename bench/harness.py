"""Measurement plumbing shared by the benchmarks: samples, percentiles, CPU clocks, rows.

Latencies are wall-clock nanoseconds from `time.perf_counter_ns`. The benchmark process's
own CPU comes from `time.process_time_ns` (all its threads); another process's CPU is read
from `/proc/<pid>/stat` (user + system ticks), so the simulator's work is never charged to
the client.
"""

from __future__ import annotations

import argparse
import os
import time
import timeit
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def percentile(sorted_values: list[int] | list[float], fraction: float) -> float:
    """The `fraction` quantile (0..1) of already sorted values, by linear interpolation."""
    if not sorted_values:
        return float("nan")
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    position = fraction * (len(sorted_values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    weight = position - lower
    return float(sorted_values[lower]) * (1 - weight) + float(sorted_values[upper]) * weight


def process_cpu_ns(pid: int) -> int:
    """User + system CPU time of another process (all its threads), in nanoseconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat_file:
        text = stat_file.read()
    # The command name (field 2) may hold spaces; the fields after it start past the ')'.
    fields = text[text.rindex(")") + 2 :].split()
    user_ticks, system_ticks = int(fields[11]), int(fields[12])
    return (user_ticks + system_ticks) * 1_000_000_000 // _CLOCK_TICKS_PER_SECOND


def own_cpu_ns() -> int:
    """CPU time of this process (all threads), in nanoseconds."""
    return time.process_time_ns()


@dataclass(slots=True)
class CpuMeter:
    """CPU consumed by this process and, optionally, by one other process (the simulator)."""

    other_pid: int | None = None
    _own_start: int = 0
    _other_start: int = 0
    own_ns: int = 0
    other_ns: int = 0

    def start(self) -> None:
        # Read the other process first and our own clock last (and the reverse on stop), so
        # the cost of reading /proc is never charged to this process.
        self._other_start = process_cpu_ns(self.other_pid) if self.other_pid else 0
        self._own_start = own_cpu_ns()

    def stop(self) -> None:
        self.own_ns += own_cpu_ns() - self._own_start
        if self.other_pid:
            self.other_ns += process_cpu_ns(self.other_pid) - self._other_start


@dataclass(slots=True)
class Samples:
    """Accumulated measurements of one contender in one pattern, over all its rounds."""

    latencies_ns: list[int] = field(default_factory=list)
    wall_ns: int = 0
    operations: int = 0
    own_cpu_ns: int = 0
    other_cpu_ns: int = 0
    errors: int = 0
    first_error: str = ""
    block_medians_ns: list[float] = field(default_factory=list)  # one per measured block
    block_cpu_ns: list[float] = field(default_factory=list)  # own CPU per operation, per block

    def add_error(self, error: BaseException) -> None:
        self.errors += 1
        if not self.first_error:
            self.first_error = f"{type(error).__name__}: {error}"[:200]

    @property
    def median_us(self) -> float:
        return percentile(sorted(self.latencies_ns), 0.5) / 1000

    @property
    def p99_us(self) -> float:
        return percentile(sorted(self.latencies_ns), 0.99) / 1000

    @property
    def per_second(self) -> float:
        return self.operations / (self.wall_ns / 1e9) if self.wall_ns else float("nan")

    @property
    def own_cpu_us_per_operation(self) -> float:
        return self.own_cpu_ns / self.operations / 1000 if self.operations else float("nan")

    @property
    def other_cpu_us_per_operation(self) -> float:
        return self.other_cpu_ns / self.operations / 1000 if self.operations else float("nan")


@dataclass(slots=True)
class Row:
    """One line of the results table."""

    section: str
    name: str
    value: str
    unit: str = ""
    note: str = ""


@dataclass(slots=True)
class Target:
    """One of the issue's targets: what was measured next to what it must be."""

    label: str
    requirement: str
    measured: str
    passed: bool | None  # None: could not be measured in this run
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "n/a"
        return "pass" if self.passed else "MISS"


def best_seconds(calls: list[Callable[[], object]], number: int, repeats: int) -> list[float]:
    """Seconds for `number` runs of each call: the best of `repeats` rounds, the calls taking
    turns in a round, so that a burst of load on the machine hits every call alike."""
    best = [float("inf")] * len(calls)
    for _ in range(repeats):
        for index, call in enumerate(calls):
            best[index] = min(best[index], timeit.timeit(call, number=number))
    return best


def quick_option(description: str) -> bool:
    """Whether a single benchmark's command line asks for `--quick` (fewer iterations)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    return bool(parser.parse_args().quick)


def format_us(value: float) -> str:
    if value != value:  # NaN
        return "-"
    if value >= 10_000:
        return f"{value / 1000:.1f} ms"
    if value >= 1000:
        return f"{value / 1000:.2f} ms"
    return f"{value:.0f} µs"


def format_rate(value: float) -> str:
    if value != value:
        return "-"
    if value >= 100_000:
        return f"{value / 1000:.0f}k/s"
    if value >= 10_000:
        return f"{value / 1000:.1f}k/s"
    return f"{value:.0f}/s"


def format_ratio(value: float) -> str:
    return "-" if value != value else f"{value:.2f}x"


def markdown_table(headers: list[str], rows: Iterable[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(cells) + " |" for cells in rows)
    return "\n".join(lines)
