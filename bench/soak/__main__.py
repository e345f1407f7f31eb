"""`python -m bench.soak --orders N --restarts R [--seed S] [--only KIND,...] [--auth
v1|v3|both]`: run a fault soak, print its report and exit non-zero when anything was
duplicated, lost or disagreed, or a bracketed position was left without its stop."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from bench.soak.config import FaultKind, SoakConfig, parse_kinds
from bench.soak.report import render
from bench.soak.supervisor import run_soak


def parse_arguments(argv: list[str] | None = None) -> SoakConfig:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--orders", type=int, default=1000, help="placements to drive")
    parser.add_argument("--restarts", type=int, default=5, help="SIGKILLs of the driver")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=4,
                        help="concurrent strategy loops in the driver")
    parser.add_argument("--fault-interval", type=float, default=0.25,
                        help="mean seconds between faults")
    parser.add_argument("--no-faults", action="store_true", help="crashes only")
    parser.add_argument(
        "--only", default=None, metavar="KIND[,KIND]",
        help="inject only these fault kinds: " + ", ".join(k.name for k in FaultKind),
    )
    parser.add_argument("--auth", choices=("v1", "v3", "both"), default="both",
                        help="credentials of the driver lives (both: they alternate)")
    parser.add_argument("--disk-mb", type=int, default=64,
                        help="size of the tmpfs the driver's store lives on")
    parser.add_argument("--work-dir", default=None, help="keep the store and logs here")
    parser.add_argument("--json", action="store_true", help="also print the summary as JSON")
    parser.add_argument("--verbose", action="store_true", help="progress and driver logs")
    args = parser.parse_args(argv)
    if args.orders < 1 or args.restarts < 0:
        parser.error("--orders must be positive and --restarts not negative")
    only = None
    if args.only is not None:
        try:
            only = parse_kinds(args.only)
        except ValueError as exc:
            parser.error(str(exc))
    config = SoakConfig(
        orders=args.orders, restarts=args.restarts, seed=args.seed,
        concurrency=args.concurrency, fault_interval=args.fault_interval,
        faults=not args.no_faults, work_dir=args.work_dir, verbose=args.verbose,
        only=only, auth=args.auth, disk_mb=args.disk_mb,
    )
    return config


def main(argv: list[str] | None = None) -> int:
    config = parse_arguments(argv)
    as_json = "--json" in (argv if argv is not None else sys.argv[1:])

    def progress(message: str) -> None:
        print(f"  .. {message}", file=sys.stderr, flush=True)

    report = asyncio.run(run_soak(config, progress))
    print(render(report))
    if as_json:
        print(json.dumps(report.as_dict()))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
