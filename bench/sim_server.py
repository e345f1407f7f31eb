"""Child-process entry: a simulator for benchmarks, with rate limits out of the way.

    python -m bench.sim_server --accounts 6

Prints one JSON line (URLs, per-account credentials, the benchmark symbol's mark price,
tick and step) once it listens, then serves until its stdin reaches end of file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from decimal import Decimal
from typing import Any

from execution.simulator import SimulatedExchange
from execution.simulator.accounts import SimAccount
from execution.simulator.ratelimit import RateLimitConfig

BENCH_SYMBOL = "BTCUSDT"
BENCH_BALANCE = Decimal("100000000")
UNLIMITED = RateLimitConfig(
    weight_per_minute=10**12, orders_per_10s=10**12, orders_per_minute=10**12
)


def _filters(exchange_info: dict[str, Any], symbol: str) -> dict[str, dict[str, Any]]:
    for entry in exchange_info["symbols"]:
        if entry["symbol"] == symbol:
            return {f["filterType"]: f for f in entry["filters"]}
    raise KeyError(symbol)


async def _wait_for_stdin_eof() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.read(4096):
        pass


async def main(account_count: int, seed: int) -> None:
    accounts = [
        SimAccount.generate(f"bench{index}", balances={"USDT": BENCH_BALANCE})
        for index in range(account_count)
    ]
    # lenient: the ccxt contenders call paths outside the venue's docs (spot exchangeInfo,
    # /fapi/v3/account with HMAC), as in tests/simulator/test_sim_ccxt.py
    async with SimulatedExchange(
        seed=seed, accounts=accounts, rate_limits=UNLIMITED, request_log_size=10_000,
        lenient=True,
    ) as sim:
        filters = _filters(sim.engine.public("exchangeInfo", {}), BENCH_SYMBOL)
        ready = {
            "rest_url": sim.rest_url,
            "ws_url": sim.ws_url,
            "symbol": BENCH_SYMBOL,
            "mark_price": str(sim.mark_price(BENCH_SYMBOL)),
            "tick_size": filters["PRICE_FILTER"]["tickSize"],
            "step_size": filters["LOT_SIZE"]["stepSize"],
            "accounts": [
                {
                    "account_id": account.account_id,
                    "api_key": account.api_key,
                    "api_secret": account.api_secret,
                    "user": account.user,
                    "signer": account.signer,
                    "signer_private_key": account.signer_private_key,
                    "user_private_key": account.user_private_key,
                }
                for account in accounts
            ],
        }
        sys.stdout.write(json.dumps(ready) + "\n")
        sys.stdout.flush()
        await _wait_for_stdin_eof()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.accounts, arguments.seed))
