"""`python -m bench`: every benchmark in one process tree, one table, `bench/results.md`.

    python -m bench            # full run (a few minutes)
    python -m bench --quick    # bounded run (under about two minutes), printed only

The simulator runs in a child process (its CPU is read apart from this process's); the
component benchmarks run here or in their own children. The results file says what each
column means.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench.report import Report, render
from bench.run import RunOptions, run_all

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results.md"


_STARTED = time.perf_counter()


def _progress(message: str) -> None:
    print(f"  {time.perf_counter() - _STARTED:6.1f} s  {message}", file=sys.stderr, flush=True)


def parse_arguments(argv: list[str] | None = None) -> RunOptions:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="bounded run for CI-like checks")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the number of round-trip orders (default 1)")
    parser.add_argument("--skip", default="",
                        help="comma-separated parts to skip: roundtrip,overhead,components,store")
    parser.add_argument("--contenders", default="",
                        help="comma-separated contender names to race (default: all)")
    parser.add_argument("--in-flight", default="1,8,64",
                        help="comma-separated concurrency levels of the round trips")
    parser.add_argument("--overhead-iterations", type=int, default=None,
                        help="calls per timing of the network-free overhead bench")
    parser.add_argument("--output", type=Path, default=None,
                        help="where to write the markdown results (default: bench/results.md "
                             "for a full run; a --quick run only prints unless given)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    arguments = parser.parse_args(argv)
    return RunOptions(
        quick=arguments.quick,
        scale=arguments.scale,
        skip=frozenset(part for part in arguments.skip.split(",") if part),
        contenders=tuple(name for name in arguments.contenders.split(",") if name),
        overhead_iterations=arguments.overhead_iterations,
        in_flight_levels=tuple(int(level) for level in arguments.in_flight.split(",") if level),
        output=None if arguments.no_write else (
            arguments.output or (None if arguments.quick else DEFAULT_OUTPUT)
        ),
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_arguments(argv)
    started = time.perf_counter()
    report: Report = run_all(options, progress=_progress)
    report.duration_s = time.perf_counter() - started
    text = render(report)
    print(text)
    if options.output is not None:
        options.output.write_text(text, encoding="utf-8")
        print(f"written to {options.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
