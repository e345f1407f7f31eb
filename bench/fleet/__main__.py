"""`python -m bench.fleet --drivers 4 --orders N --kills K [--seed S] [--store-url URL]
[--rate-budget URL] [--no-servers] [--limits exchange|generous]`: run a fleet soak, print
its report and exit non-zero when anything was duplicated, lost, disagreed, adopted across
managers, or met a 429/418 that was not injected."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from bench.fleet.config import FLEET_FAULTS, FleetConfig
from bench.fleet.report import render
from bench.fleet.supervisor import run_fleet
from bench.soak.config import parse_kinds


def parse_arguments(argv: list[str] | None = None) -> FleetConfig:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet", description=__doc__)
    parser.add_argument("--drivers", type=int, default=4, help="driver processes")
    parser.add_argument("--orders", type=int, default=1000, help="placements, all drivers")
    parser.add_argument("--kills", type=int, default=12, help="SIGKILLs, spread over drivers")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=3,
                        help="strategy loops per driver")
    parser.add_argument("--fault-interval", type=float, default=0.3,
                        help="mean seconds between faults")
    parser.add_argument("--no-faults", action="store_true", help="kills only")
    parser.add_argument("--only", default=None, metavar="KIND[,KIND]",
                        help="inject only these fault kinds (default: "
                        + ", ".join(sorted(k.name for k in FLEET_FAULTS)) + ")")
    parser.add_argument("--auth", choices=("v1", "v3", "both"), default="both")
    parser.add_argument("--store-url", default=None,
                        help="one store for every driver (postgresql://...); default: a "
                        "throwaway PostgreSQL, or SQLite per driver with --no-servers")
    parser.add_argument("--rate-budget", default=None,
                        help="a Redis URL (redis://host:port/0) for one shared budget; "
                        "default: a throwaway redis-server, or own limits with --no-servers")
    parser.add_argument("--no-servers", dest="servers", action="store_false",
                        help="start no PostgreSQL/Redis: the fallback where no URL is given")
    parser.add_argument("--limits", choices=("exchange", "generous"), default="exchange",
                        help="the simulator's rate limits")
    parser.add_argument("--work-dir", default=None, help="keep the stores and logs here")
    parser.add_argument("--json", action="store_true", help="also print the summary as JSON")
    parser.add_argument("--verbose", action="store_true", help="driver logs at INFO")
    args = parser.parse_args(argv)
    if args.drivers < 1 or args.orders < 1 or args.kills < 0:
        parser.error("--drivers and --orders must be positive, --kills not negative")
    if args.store_url and not args.store_url.startswith(("postgresql://", "postgres://")):
        parser.error("--store-url: a store several processes share: postgresql://...")
    if args.rate_budget and not args.rate_budget.startswith(("redis://", "rediss://")):
        parser.error("--rate-budget: a Redis URL, redis://host:port/0")
    only = None
    if args.only is not None:
        try:
            only = parse_kinds(args.only)
        except ValueError as exc:
            parser.error(str(exc))
    return FleetConfig(
        drivers=args.drivers, orders=args.orders, kills=args.kills, seed=args.seed,
        concurrency=args.concurrency, fault_interval=args.fault_interval,
        faults=not args.no_faults, only=only, auth=args.auth, store_url=args.store_url,
        rate_budget=args.rate_budget, servers=args.servers, limits=args.limits,
        work_dir=args.work_dir, verbose=args.verbose,
    )


def main(argv: list[str] | None = None) -> int:
    config = parse_arguments(argv)
    as_json = "--json" in (argv if argv is not None else sys.argv[1:])

    def progress(message: str) -> None:
        print(f"  .. {message}", file=sys.stderr, flush=True)

    report = asyncio.run(run_fleet(config, progress))
    print(render(report))
    if as_json:
        print(json.dumps(report.as_dict()))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
