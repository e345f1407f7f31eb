"""A fleet driver process: the soak's strategy loop (`bench.soak.driver.Driver`) on one
manager that has its own prefix, source address, store and rate budget.

    python -m bench.fleet.driver --rest-url URL [--rest-url URL2] --ws-url WS
        --store PATH_OR_URL [--prefix P] --local-address IP [--rate-budget URL#NAMES]
        [--nonce-slot N|auto] --state PATH --seed N --concurrency K
    (credentials in the environment, as for `bench.soak.driver`)

It speaks the soak driver's line protocol (`READY {...}`, `PLACED`, `ERROR <class>`, ...,
`STATE <path>`, `DONE`; `PAUSE`/`FINISH` on stdin), with one step more at the end: after
`FINISH` it settles, creates `<state>.settled` and waits for `REPORT` (every driver settled
first) before it settles once more and reports. Its `READY` line also says which
prefix its manager got and what the start adopted, so the supervisor can tell that no
driver took in another's orders, life after life. Its start is retried while the store
refuses it (the prefix's lease still held by the killed life before it) or faults get in
the way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import logging
import random
import sys
import time
from pathlib import Path

from bench.soak.control import ClockStepper, install_log_counter, read_commands, say
from bench.soak.driver import Driver, configure_logging
from bench.soak.settling import UNKNOWN_HORIZON, manager_state, settle
from execution.errors import ExecutionError, RateLimitError, StoreLockedError
from execution.exchange.asterdex import AsterDEXExchange
from execution.orders.manager import OrderManager

logger = logging.getLogger("bench.fleet.driver")
STARTUP_DUMP_SECONDS = 60.0
# Four processes share 2400 request weight a minute per address: each polls (while its
# stream is down) less often than the single-driver soak's, and settling at the end may
# have to wait for the next minute's weight.
POLL_INTERVAL = 2.0
SETTLE_SECONDS = 120.0
FINAL_SETTLE_SECONDS = 30.0


async def start_manager(args: argparse.Namespace) -> tuple[AsterDEXExchange, OrderManager, int]:
    """Connect and start the manager, retrying while the store or faults get in the way."""
    attempts = 0
    nonce_slot: int | str | None = args.nonce_slot
    if isinstance(nonce_slot, str) and nonce_slot.isdigit():
        nonce_slot = int(nonce_slot)
    while True:
        attempts += 1
        exchange = AsterDEXExchange(
            None, rest_urls=args.rest_url, ws_url=args.ws_url, dotenv_path=None, timeout=5.0,
            local_address=args.local_address, rate_budget=args.rate_budget,
            nonce_slot=nonce_slot,
        )
        manager: OrderManager | None = None
        try:
            await exchange.connect()
            manager = OrderManager(
                exchange, args.store, poll_interval=POLL_INTERVAL, pending_grace=UNKNOWN_HORIZON,
                client_order_id_prefix=args.prefix,
            )
            await manager.start()
            return exchange, manager, attempts
        except ExecutionError as exc:
            if isinstance(exc, StoreLockedError):  # the killed life's lease runs out soon
                logger.info("start attempt %d: store busy: %s", attempts, exc)
            else:
                logger.warning("start attempt %d failed: %s", attempts, exc)
            if manager is not None:
                with contextlib.suppress(Exception):
                    await manager.stop()
            with contextlib.suppress(Exception):
                await exchange.close()
            pause = min(1.0, 0.2 * attempts)
            if isinstance(exc, RateLimitError) and exc.retry_after:  # the budget is spent
                pause = max(pause, min(exc.retry_after, 30.0))
            await asyncio.sleep(pause)


async def _dump_if_not_up(after: float) -> None:
    """Log every task's stack when the start takes longer than `after` seconds (a start
    that hangs shows where)."""
    await asyncio.sleep(after)
    for task in asyncio.all_tasks():
        stream = io.StringIO()
        task.print_stack(limit=12, file=stream)
        logger.warning("still starting after %.0f s; %s", after, stream.getvalue())


def settled_marker(state: str | Path) -> Path:
    """The file a driver creates once it has settled at the end (then waits for REPORT)."""
    return Path(f"{state}.settled")


async def _wait_for_line(command: str) -> None:
    """Read stdin until `command` (or its end)."""
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line or line.strip() == command:
            return


async def main(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    install_log_counter()
    watchdog = asyncio.create_task(_dump_if_not_up(STARTUP_DUMP_SECONDS))
    exchange, manager, attempts = await start_manager(args)
    watchdog.cancel()
    stepper = ClockStepper(exchange)
    report = manager.last_reconciliation
    say("READY " + json.dumps({
        "start_attempts": attempts,
        "reconciliation": report.summary() if report else "",
        "prefix": manager.client_order_id_prefix,
        "adopted": list(report.adopted) if report else [],
        "foreign": len(report.foreign) if report else 0,
        "budget": exchange.rate_limiter.describe(),
        "nonce_slot": exchange.clock.nonce_slot,
        "at": time.time(),  # the supervisor checks that no two lives shared a slot at once
    }))
    driver = Driver(manager, rng)
    workers = [asyncio.create_task(driver.worker()) for _ in range(args.concurrency)]
    await read_commands(stepper, on_pause=lambda: setattr(driver, "stopping", True))
    driver.stopping = True
    await asyncio.gather(*workers)
    await settle(exchange, manager, SETTLE_SECONDS)
    # Every driver settles before any reports: the account's positions are every
    # manager's, and a driver still settling may move them (a bracket's exit filling).
    await asyncio.to_thread(settled_marker(args.state).touch)
    await _wait_for_line("REPORT")
    await settle(exchange, manager, FINAL_SETTLE_SECONDS)
    await manager.stop()
    state = manager_state(manager, attempts, placements=driver.placements,
                          errors=dict(driver.errors), unexpected=driver.unexpected)
    state["prefix"] = manager.client_order_id_prefix
    await asyncio.to_thread(Path(args.state).write_text, json.dumps(state))
    await exchange.close()
    say(f"STATE {args.state}")
    say("DONE")
    return 0


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet.driver")
    parser.add_argument("--rest-url", action="append", required=True)
    parser.add_argument("--ws-url", required=True)
    parser.add_argument("--store", required=True, help="a SQLite path or a store URL")
    parser.add_argument("--prefix", default=None, help="client order id prefix")
    parser.add_argument("--local-address", default=None, help="the source IP")
    parser.add_argument("--rate-budget", default=None, help="redis://...#NAMES")
    parser.add_argument("--nonce-slot", default=None, help="0-99 or auto")
    parser.add_argument("--state", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=3)
    parser.add_argument("--log", default=None)
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_arguments()
    configure_logging(arguments)
    sys.exit(asyncio.run(main(arguments)))
