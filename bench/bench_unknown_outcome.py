"""How long an unknown outcome takes to settle: v3 with a noop, v3 without, and v1.

    python -m bench.bench_unknown_outcome [--quick]

Each trial places a market order through an `OrderManager` on an in-process simulator that
answers the order's POST with 503 / -1007 and either never carries it out or carries it
out `LATE_MS` later. Measured: seconds from the placement call to the moment the manager
knows the order's outcome (FILLED, or taken as never placed once the horizon is over),
and how many copies the exchange accepted (always 1, or 0 when it was never carried out
and nothing could prove it dead).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.harness import quick_option
from execution.errors import OrderStatusUnknownError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for

SYMBOL = "BTCUSDT"
QUANTITY = Decimal("0.001")
LATE_MS = 2_000
HORIZON_S = 5.0  # the manager's pending_grace here (60 s by default)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    auth: str
    noop: bool
    executed: bool


SCENARIOS = (
    Scenario("v3 + noop, 503 not carried out", "eip712", True, False),
    Scenario(f"v3 + noop, 503 carried out {LATE_MS} ms later", "eip712", True, True),
    Scenario(f"v3 no noop, 503 carried out {LATE_MS} ms later", "eip712", False, True),
    Scenario(f"v1 (HMAC), 503 carried out {LATE_MS} ms later", "hmac", False, True),
    Scenario("v3 no noop, 503 not carried out (horizon)", "eip712", False, False),
    Scenario("v1 (HMAC), 503 not carried out (horizon)", "hmac", False, False),
)


async def _trial(scenario: Scenario, number: int, folder: Path) -> tuple[float, int]:
    async with SimulatedExchange(seed=number) as sim:
        client = AsterDEXExchange(
            credentials_for(sim, scenario.auth), rest_urls=sim.rest_urls, ws_url=sim.ws_url,
            dotenv_path=None, prove_with_noop=scenario.noop,
        )
        store = folder / f"{scenario.auth}-{scenario.noop}-{scenario.executed}-{number}.sqlite"
        async with client, OrderManager(client, store, poll_interval=0.05,
                                        pending_grace=HORIZON_S) as manager:
            sim.faults.fail_requests(
                count=1, status=503, code=-1007, execute=scenario.executed,
                execute_after_ms=LATE_MS if scenario.executed else 0,
                path="order", method="POST",
            )
            client_id = f"bench-unknown-{number}"
            known = asyncio.Event()

            def told(managed: ManagedOrder) -> None:
                if managed.client_order_id == client_id:
                    known.set()

            manager.on("order_filled", told)
            manager.on("order_rejected", told)
            started = time.perf_counter()
            with contextlib.suppress(OrderStatusUnknownError):
                await manager.place_market_order(SYMBOL, OrderSide.BUY, QUANTITY,
                                                 client_order_id=client_id)
            await known.wait()
            settled = time.perf_counter() - started
            return settled, sim.orders_created(client_id)


async def _measure(quick: bool) -> list[dict[str, Any]]:
    trials = 1 if quick else 3
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-unknown-") as folder:
        for scenario in SCENARIOS:
            results = [await _trial(scenario, n, Path(folder)) for n in range(trials)]
            seconds = statistics.median(r[0] for r in results)
            copies = sorted({r[1] for r in results})
            rows.append({
                "name": f"settle: {scenario.name}",
                "value": seconds,
                "unit": "s",
                "note": f"copies accepted {copies}; median of {trials}; horizon {HORIZON_S} s",
            })
    return rows


def run(quick: bool = False) -> list[dict[str, Any]]:
    """One row per scenario: `name`, `value` (s), `unit`, `note`."""
    return asyncio.run(_measure(quick))


if __name__ == "__main__":
    for row in run(quick_option(__doc__ or "")):
        print(f"{row['name']:<58} {row['value']:8.3f} {row['unit']}  {row['note']}")
