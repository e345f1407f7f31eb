"""One trading process for the nonce tests: `python nonce_worker.py` reads its settings
(JSON, on stdin: the secret never shows in a process list), connects an AsterDEXExchange
(v3) to the simulator, places and cancels orders concurrently, and prints one JSON line:
its nonce slot, what it did, the errors by type, and how often its clock had to re-sync
(a refused nonce, -4225, re-syncs it)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from decimal import Decimal
from typing import Any

from execution.auth import Eip712Credentials
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderType
from execution.secrets import Secret


async def main(settings: dict[str, Any]) -> dict[str, Any]:
    credentials = Eip712Credentials(settings["user"], settings["signer"],
                                    Secret(settings["private_key"]))
    client = AsterDEXExchange(
        credentials, rest_urls=[settings["rest_url"]], ws_url=settings["ws_url"],
        dotenv_path=None, nonce_slot=settings["slot"], rate_budget=settings.get("budget"),
        timeout=30.0,
    )
    errors: Counter[str] = Counter()
    done = Counter[str]()
    price = Decimal(settings["price"])
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(settings["orders"]):
        queue.put_nowait(index)

    async def trader() -> None:
        while not queue.empty():
            queue.get_nowait()
            try:
                order = await client.create_order("BTCUSDT", OrderSide.BUY, OrderType.LIMIT,
                                                  Decimal("0.001"), price=price)
                done["placed"] += 1
                await client.cancel_order(order.order_id, "BTCUSDT")
                done["cancelled"] += 1
            except Exception as exc:  # counted and reported, not hidden
                errors[type(exc).__name__] += 1

    async with client:
        print(json.dumps({"ready": True, "slot": client.clock.nonce_slot}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # go
        await asyncio.gather(*(trader() for _ in range(settings["concurrency"])))
        return {"slot": client.clock.nonce_slot, "syncs": client.clock.syncs,
                "errors": dict(errors), **done}


if __name__ == "__main__":
    config = json.loads(sys.stdin.readline())
    print(json.dumps(asyncio.run(main(config))), flush=True)
