"""Instructions per order round trip, counted by valgrind: the client against the floor.

    python -m bench.instructions [--orders 200] [--contenders "floor v1,client v1"]

CPU time on a shared virtual machine drifts by a third from one minute to the next; the
number of instructions a process executes does not (callgrind counts them, whatever else
the machine does). Each contender runs in its own child under `valgrind --tool=callgrind`
(only the child is counted: the simulator it talks to is a process of its own, not
traced), twice: once with no timed orders and once with `--orders` create+cancel round
trips after the same start-up and warm-up. The difference over the count is what one round
trip costs this process in user-space instructions: its own code, aiohttp's and the event
loop's. The kernel's share of the CPU (the socket calls) is not in it, so a ratio of these
counts is an upper bound of the CPU-time ratio the round-trip benchmark measures. It needs
valgrind (on PATH) and is slow (about a minute per contender for 200 orders).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from bench.contenders import ALL_CONTENDERS, FLOOR_OF, build_contenders
from bench.sim_process import SimulatorProcess

WARM_UP_ORDERS = 50


async def _round_trips(name: str, orders: int) -> None:
    async with SimulatorProcess(accounts=1) as info:
        (contender,) = build_contenders(info, (name,))
        await contender.start()
        try:
            for _ in range(WARM_UP_ORDERS + orders):
                await contender.flow.cancel(await contender.flow.create())
        finally:
            await contender.close()


def _counted(name: str, orders: int) -> int:
    """Instructions of one child doing `orders` round trips after the warm-up."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               sys.executable, "-m", "bench.instructions", "--child", name, str(orders)]
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run(command, capture_output=True, text=True, env=environment,
                            check=False)
    for line in result.stderr.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1].strip())
    raise RuntimeError(f"{name}: valgrind printed no count ({result.stderr[-400:]!r})")


def per_round_trip(names: tuple[str, ...], orders: int) -> dict[str, int]:
    """Instructions per create+cancel of each contender (two children at a time)."""
    jobs = [(name, count) for name in names for count in (0, orders)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(lambda job: _counted(*job), jobs))
    return {
        name: (counts[2 * index + 1] - counts[2 * index]) // orders
        for index, name in enumerate(names)
    }


def _resolve(prefixes: str) -> tuple[str, ...]:
    names = []
    for prefix in (part.strip().lower() for part in prefixes.split(",") if part.strip()):
        matches = [name for name in ALL_CONTENDERS if name.lower().startswith(prefix)]
        if len(matches) != 1:
            raise SystemExit(f"{prefix!r} matches {matches}; known: {ALL_CONTENDERS}")
        names.append(matches[0])
    return tuple(names)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--contenders", default="floor v1,client v1,floor v3,client v3")
    parser.add_argument("--child", nargs=2, metavar=("CONTENDER", "ORDERS"),
                        help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        asyncio.run(_round_trips(arguments.child[0], int(arguments.child[1])))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not on PATH")
    names = _resolve(arguments.contenders)
    counts = per_round_trip(names, arguments.orders)
    print(f"instructions per create+cancel ({arguments.orders} round trips, user space)")
    for name, count in counts.items():
        floor = counts.get(FLOOR_OF[name])
        ratio = f"{count / floor:.3f}x the floor" if floor and name != FLOOR_OF[name] else ""
        print(f"  {name:24s} {count:>10,}  {ratio}")


if __name__ == "__main__":
    main()
