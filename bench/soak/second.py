"""A second process trading the same account: its own client id prefix and store file.

    python -m bench.soak.second --rest-url URL --ws-url WS --db PATH --seed N --state PATH

It places resting limit orders 6-12 % away from the mark on the symbols other than the
bracket symbol (far beyond where the soak's market walks, and never filled by its
counterparty, so it never holds a position) and cancels them, through its own
`OrderManager` (prefix `p2`, adopting nothing). On `FINISH` it cancels what it still has
open (by client id: a cancel-all would hit the main driver's orders), writes its orders to
the state file and exits. The main driver must not adopt its orders; `verify` leaves them
out of its order checks and checks that.

`SecondProcess` is the supervisor's handle on one such process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import signal
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

from bench.soak.config import BASE_QUANTITY, BRACKET_SYMBOL, SECOND_PREFIX, SYMBOLS
from bench.soak.control import read_commands, say
from bench.soak.driver import configure_logging
from bench.soak.settling import settle, start_manager
from execution.errors import ExecutionError
from execution.models import OrderSide, OrderStatus
from execution.orders.manager import OrderManager

logger = logging.getLogger("bench.soak.second")
_SECOND_SYMBOLS = tuple(s for s in SYMBOLS if s != BRACKET_SYMBOL)
_OPEN = (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)
FINISH_TIMEOUT = 60.0
SETTLE_LIMIT = 10.0  # it only needs to have seen its cancels answered


async def _trade(manager: OrderManager, rng: random.Random, errors: Counter[str],
                 stopping: asyncio.Event) -> None:
    while not stopping.is_set():
        symbol = rng.choice(_SECOND_SYMBOLS)
        mine = [m for m in manager.open_orders(symbol) if m.status in _OPEN]
        try:
            if mine and (len(mine) > 6 or rng.random() < 0.4):
                await manager.cancel_order(rng.choice(mine).client_order_id)
            else:
                mark = await manager.exchange.fetch_mark_price(symbol)
                side = rng.choice((OrderSide.BUY, OrderSide.SELL))
                away = Decimal(str(round(rng.uniform(0.06, 0.12), 4)))
                price = mark * (1 - away) if side is OrderSide.BUY else mark * (1 + away)
                say("PLACED")
                await manager.place_limit_order(
                    symbol, side, BASE_QUANTITY[symbol], price, strategy_name="soak-second",
                )
        except ExecutionError as exc:
            errors[type(exc).__name__] += 1
            say(f"ERROR {type(exc).__name__}")
            await asyncio.sleep(0.2)
        await asyncio.sleep(rng.uniform(0.05, 0.3))


async def _cancel_mine(manager: OrderManager, errors: Counter[str]) -> None:
    for _ in range(5):
        mine = [m for m in manager.open_orders() if m.status in _OPEN]
        if not mine:
            return
        for managed in mine:
            try:
                await manager.cancel_order(managed.client_order_id)
            except ExecutionError as exc:
                errors[type(exc).__name__] += 1
        await asyncio.sleep(0.5)


async def main(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    exchange, manager, attempts = await start_manager(args)
    say("READY " + json.dumps({"start_attempts": attempts}))
    errors: Counter[str] = Counter()
    stopping = asyncio.Event()
    trader = asyncio.create_task(_trade(manager, rng, errors, stopping))
    await read_commands(None)
    stopping.set()
    await trader
    await _cancel_mine(manager, errors)
    await settle(exchange, manager, limit=SETTLE_LIMIT)
    await manager.stop()
    state = {
        "orders": {m.client_order_id: m.status.value for m in manager.orders},
        "errors": dict(errors),
    }
    await asyncio.to_thread(Path(args.state).write_text, json.dumps(state))
    await exchange.close()
    say("DONE")
    return 0


class SecondProcess:
    """One second-trader process, started by the supervisor and asked to finish."""

    def __init__(self, process: asyncio.subprocess.Process, state: Path) -> None:
        self.process = process
        self.state = state
        self.placements = 0
        self.errors: Counter[str] = Counter()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while raw := await self.process.stdout.readline():
            line = raw.decode(errors="replace").strip()
            if line == "PLACED":
                self.placements += 1
            elif line.startswith("ERROR "):
                self.errors[line[6:]] += 1

    async def finish(self) -> bool:
        """Ask it to cancel its orders and exit; kill it after `FINISH_TIMEOUT` seconds.
        True when it finished by itself."""
        assert self.process.stdin is not None
        with contextlib.suppress(ConnectionError):
            self.process.stdin.write(b"FINISH\n")
            await self.process.stdin.drain()
        try:
            await asyncio.wait_for(self.process.wait(), FINISH_TIMEOUT)
            finished = self.process.returncode == 0
        except TimeoutError:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()
            finished = False
        with contextlib.suppress(Exception):
            await self._reader
        return finished


async def spawn_second(arguments: list[str], env: dict[str, str], cwd: str, state: Path,
                       stderr_path: Path) -> SecondProcess:
    """Start `python -m bench.soak.second` with `arguments` (the connection ones)."""
    with stderr_path.open("ab") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.soak.second", *arguments, "--state", str(state),
            cwd=cwd, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    return SecondProcess(process, state)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak.second")
    parser.add_argument("--rest-url", action="append", required=True)
    parser.add_argument("--ws-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log", default=None)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    args.prefix, args.adopt = SECOND_PREFIX, False
    return args


if __name__ == "__main__":
    arguments = parse_arguments()
    configure_logging(arguments)
    sys.exit(asyncio.run(main(arguments)))
