"""Order round trips against the simulator: create+cancel and create alone.

Every contender trades on its own simulator account (so open-order caps, rate limits and
v3 nonces never interact) with the same resting LIMIT BUY, far enough below the market
never to fill. Patterns are measured one at a time; inside a pattern the contenders take
turns in rounds, in a rotated order each round (A,B,C / B,C,A / ...): operation by
operation in the sequential patterns, block by block with several in flight. So a change
of load on the machine meets all of them alike and ratios are taken side by side. Open
orders left by a round are cancelled after it, outside the measurement.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bench.harness import CpuMeter, Samples, percentile

CREATE_CANCEL = "create+cancel"
CREATE = "create"
MAX_OPEN_PER_BLOCK = 150  # below the exchange's 200 open orders per symbol


class OrderFlow(Protocol):
    async def create(self) -> str: ...

    async def cancel(self, order_id: str) -> None: ...


@dataclass(slots=True)
class Contender:
    """One client under test: how to place and cancel an order, set up and clean up."""

    name: str
    flow: OrderFlow
    start: Callable[[], Awaitable[None]]
    close: Callable[[], Awaitable[None]]
    cancel_open_orders: Callable[[], Awaitable[None]]  # outside the measurement


@dataclass(frozen=True, slots=True)
class Pattern:
    operation: str  # CREATE_CANCEL | CREATE
    in_flight: int
    orders_per_block: int
    rounds: int

    @property
    def label(self) -> str:
        mode = "sequential" if self.in_flight == 1 else f"{self.in_flight} in flight"
        return f"{self.operation}, {mode}"


@dataclass(slots=True)
class RoundTripResults:
    """Samples by pattern label, then contender name."""

    patterns: list[Pattern] = field(default_factory=list)
    samples: dict[str, dict[str, Samples]] = field(default_factory=dict)

    def get(self, pattern: Pattern, contender: str) -> Samples | None:
        return self.samples.get(pattern.label, {}).get(contender)


def patterns_for(
    scale: float, *, quick: bool, in_flight_levels: tuple[int, ...] = (1, 8, 64)
) -> list[Pattern]:
    """The measured patterns; `scale` multiplies the number of orders of each block.

    Sequential patterns alternate the contenders operation by operation (`_run_lockstep`);
    concurrent ones alternate blocks, shorter and in more rounds where they are cheap.
    """
    # in-flight level -> (rounds, orders per block)
    if quick:
        plan = {1: (2, 16), 8: (3, 16), 64: (2, 64)}
    else:
        plan = {1: (5, 60), 8: (10, 100), 64: (5, 320)}
    patterns = []
    for operation in (CREATE_CANCEL, CREATE):
        for in_flight in in_flight_levels:
            rounds, per_block = plan.get(in_flight, (5, 10 * in_flight))
            orders = max(4, int(per_block * scale))
            if operation == CREATE:
                orders = min(orders, MAX_OPEN_PER_BLOCK)
            patterns.append(Pattern(operation, in_flight, max(orders, in_flight), rounds))
    return patterns


async def run_block(
    flow: OrderFlow, pattern: Pattern, samples: Samples, cpu: CpuMeter
) -> None:
    """`pattern.orders_per_block` operations with `pattern.in_flight` workers (closed loop)."""
    cancel = pattern.operation == CREATE_CANCEL
    remaining = iter(range(pattern.orders_per_block))
    latencies = samples.latencies_ns
    clock = time.perf_counter_ns

    async def worker() -> None:
        for _ in remaining:
            started = clock()
            try:
                order_id = await flow.create()
                if cancel:
                    await flow.cancel(order_id)
            except Exception as error:  # a failed order is counted, not timed
                samples.add_error(error)
                continue
            latencies.append(clock() - started)

    before = len(latencies)
    cpu.start()
    started = clock()
    await asyncio.gather(*(worker() for _ in range(pattern.in_flight)))
    samples.wall_ns += clock() - started
    cpu.stop()
    completed = len(latencies) - before  # failures are counted apart
    samples.operations += completed
    if completed:
        samples.block_medians_ns.append(percentile(sorted(latencies[before:]), 0.5))


async def warm_up(contender: Contender, orders: int, in_flight: int) -> None:
    """Open as many connections as the widest pattern uses and fill caches, unmeasured."""
    for width in sorted({1, min(8, in_flight), in_flight}):
        warm = Pattern(CREATE_CANCEL, width, max(orders, 2 * width), 1)
        await run_block(contender.flow, warm, Samples(), CpuMeter())
    await contender.cancel_open_orders()


async def run_round_trips(
    contenders: list[Contender],
    patterns: list[Pattern],
    *,
    simulator_pid: int | None,
    warm_up_orders: int = 24,
    progress: Callable[[str], None] | None = None,
) -> RoundTripResults:
    """Measure every pattern for every contender, interleaved in rotated rounds."""
    results = RoundTripResults(patterns=list(patterns))
    widest = max((pattern.in_flight for pattern in patterns), default=1)
    for contender in contenders:
        await warm_up(contender, warm_up_orders, widest)
    for pattern in patterns:
        by_contender = results.samples.setdefault(pattern.label, {})
        if pattern.in_flight == 1:
            await _run_lockstep(contenders, pattern, by_contender, simulator_pid)
            if progress is not None:
                progress(pattern.label)
            continue
        for round_index in range(pattern.rounds):
            shift = round_index % len(contenders)
            for contender in contenders[shift:] + contenders[:shift]:
                samples = by_contender.setdefault(contender.name, Samples())
                meter = CpuMeter(other_pid=simulator_pid)
                completed_before = samples.operations
                await run_block(contender.flow, pattern, samples, meter)
                if samples.operations > completed_before:
                    samples.block_cpu_ns.append(
                        meter.own_ns / (samples.operations - completed_before)
                    )
                samples.own_cpu_ns += meter.own_ns
                samples.other_cpu_ns += meter.other_ns
                await contender.cancel_open_orders()
        if progress is not None:
            progress(pattern.label)
    return results


async def _run_lockstep(
    contenders: list[Contender],
    pattern: Pattern,
    by_contender: dict[str, Samples],
    simulator_pid: int | None,
) -> None:
    """Sequential patterns, one operation of each contender in turn (A,B,C,A,B,C,...).

    Every contender then meets the same load on the machine, operation by operation, which
    blocks of many operations cannot promise on a shared machine.
    """
    cancel = pattern.operation == CREATE_CANCEL
    clock = time.perf_counter_ns
    for round_index in range(pattern.rounds):
        shift = round_index % len(contenders)
        order = contenders[shift:] + contenders[:shift]
        round_latencies: dict[str, list[int]] = {c.name: [] for c in order}
        round_cpu: dict[str, int] = dict.fromkeys(round_latencies, 0)
        for _ in range(pattern.orders_per_block):
            for contender in order:
                samples = by_contender.setdefault(contender.name, Samples())
                meter = CpuMeter(other_pid=simulator_pid)
                meter.start()
                started = clock()
                try:
                    order_id = await contender.flow.create()
                    if cancel:
                        await contender.flow.cancel(order_id)
                except Exception as error:  # a failed order is counted, not timed
                    meter.stop()
                    samples.add_error(error)
                    continue
                elapsed = clock() - started
                meter.stop()
                samples.latencies_ns.append(elapsed)
                samples.wall_ns += elapsed
                samples.operations += 1
                samples.own_cpu_ns += meter.own_ns
                samples.other_cpu_ns += meter.other_ns
                round_latencies[contender.name].append(elapsed)
                round_cpu[contender.name] += meter.own_ns
        for contender in order:
            samples = by_contender.setdefault(contender.name, Samples())
            latencies = round_latencies[contender.name]
            if latencies:
                samples.block_medians_ns.append(percentile(sorted(latencies), 0.5))
                samples.block_cpu_ns.append(round_cpu[contender.name] / len(latencies))
            await contender.cancel_open_orders()
