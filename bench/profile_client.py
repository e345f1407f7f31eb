"""Profile one contender's order round trips (pyinstrument), the simulator in its own process.

    python -m bench.profile_client --contender "client v3" --orders 2000 [--in-flight 8]

Prints the profile of this process only (the client side); the simulator's time is not in
it. `--html FILE` writes pyinstrument's HTML view instead.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from pyinstrument import Profiler

from bench.contenders import ALL_CONTENDERS, build_contenders
from bench.harness import CpuMeter, Samples
from bench.roundtrip import CREATE, CREATE_CANCEL, Pattern, run_block, warm_up
from bench.sim_process import SimulatorProcess


async def profile(
    contender_prefix: str, orders: int, in_flight: int, operation: str, interval: float,
    simulator_module: str,
) -> tuple[Profiler, Samples]:
    names = tuple(n for n in ALL_CONTENDERS if n.lower().startswith(contender_prefix.lower()))
    if len(names) != 1:
        raise SystemExit(f"{contender_prefix!r} matches {names}; known: {ALL_CONTENDERS}")
    async with SimulatorProcess(accounts=1, module=simulator_module) as info:
        (contender,) = build_contenders(info, names)
        await contender.start()
        try:
            await warm_up(contender, 32, in_flight)
            pattern = Pattern(operation, in_flight, orders, 1)
            samples = Samples()
            profiler = Profiler(interval=interval, async_mode="enabled")
            profiler.start()
            meter = CpuMeter(other_pid=info.pid)
            await run_block(contender.flow, pattern, samples, meter)
            profiler.stop()
            samples.own_cpu_ns, samples.other_cpu_ns = meter.own_ns, meter.other_ns
            await contender.cancel_open_orders()
        finally:
            await contender.close()
    return profiler, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contender", default="client v3")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--in-flight", type=int, default=1)
    parser.add_argument("--create-only", action="store_true")
    parser.add_argument("--interval", type=float, default=0.0002)
    parser.add_argument("--html", type=Path)
    parser.add_argument("--simulator-module", default="bench.sim_server")
    arguments = parser.parse_args()
    profiler, samples = asyncio.run(profile(
        arguments.contender, arguments.orders, arguments.in_flight,
        CREATE if arguments.create_only else CREATE_CANCEL, arguments.interval,
        arguments.simulator_module,
    ))
    print(
        f"{samples.operations} operations, median {samples.median_us:.0f} µs, "
        f"client CPU {samples.own_cpu_us_per_operation:.0f} µs/op, "
        f"simulator CPU {samples.other_cpu_us_per_operation:.0f} µs/op, {samples.errors} errors"
    )
    if arguments.html:
        arguments.html.write_text(profiler.output_html(), encoding="utf-8")
    else:
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
