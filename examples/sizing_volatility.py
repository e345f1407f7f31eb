"""Volatility sizing: scale the position by target volatility / asset volatility.

The volatility here is measured from the exchange's own 15-minute klines (standard deviation
of close-to-close returns) and the target is half of it, so the position is half the base
percentage. Both volatilities must use the same period.

    python examples/sizing_volatility.py
"""

import asyncio
import itertools
import statistics
from decimal import Decimal
from typing import Any

import aiohttp

from execution import PositionSizer, create_exchange

SYMBOL = "BTCUSDT"


async def closes_15m(rest_url: str, symbol: str) -> list[Decimal]:
    params = {"symbol": symbol, "interval": "15m", "limit": "60"}
    async with aiohttp.ClientSession() as session, session.get(
        f"{rest_url}/fapi/v1/klines", params=params
    ) as reply:
        rows: list[list[Any]] = await reply.json()
    return [Decimal(str(row[4])) for row in rows]


async def main() -> None:
    async with create_exchange("simulator") as exchange:
        equity = (await exchange.fetch_balance())["USDT"].available_balance
        price = await exchange.fetch_mark_price(SYMBOL)
        rules = await exchange.get_symbol_rules(SYMBOL)
        closes = await closes_15m(exchange.rest_urls[0], SYMBOL)

        returns = [(b - a) / a for a, b in itertools.pairwise(closes)]
        volatility = statistics.stdev(returns)  # Decimal in, Decimal out
        target = volatility / 2

        sizer = PositionSizer(equity, leverage=3, symbol_rules=rules)
        result = sizer.volatility_based(price, volatility=volatility, target_volatility=target)
        print(f"15m volatility {volatility:.6f}, target {target:.6f}")
        print(
            f"{result.quantity} BTC at {price}: {result.position_percent:.2f}% of equity as "
            f"margin, risk {result.risk_percent:.2f}% (no stop: the margin)"
        )
        problems = sizer.check_position_size(result)
        print("valid" if not problems else "not valid: " + "; ".join(map(str, problems)))


if __name__ == "__main__":
    asyncio.run(main())
