"""ATR-based sizing: the stop sits a multiple of the average true range away.

The ATR (Wilder's smoothing, 14 bars) comes from the exchange's 15-minute klines; the stop
is two ATRs under the price and the size risks 1.5% of equity to it.

    python examples/sizing_atr_based.py
"""

import asyncio
from decimal import Decimal
from typing import Any

import aiohttp

from execution import PositionSizer, create_exchange
from execution.indicators import average_true_range

SYMBOL = "BTCUSDT"


async def klines(rest_url: str, symbol: str) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(high, low, close) rows of the last 100 15-minute klines."""
    params = {"symbol": symbol, "interval": "15m", "limit": "100"}
    async with aiohttp.ClientSession() as session, session.get(
        f"{rest_url}/fapi/v1/klines", params=params
    ) as reply:
        rows: list[list[Any]] = await reply.json()
    return [(Decimal(str(r[2])), Decimal(str(r[3])), Decimal(str(r[4]))) for r in rows]


async def main() -> None:
    async with create_exchange("simulator") as exchange:
        equity = (await exchange.fetch_balance())["USDT"].available_balance
        price = await exchange.fetch_mark_price(SYMBOL)
        rules = await exchange.get_symbol_rules(SYMBOL)
        bars = await klines(exchange.rest_urls[0], SYMBOL)

        atr = average_true_range(bars, period=14)
        sizer = PositionSizer(equity, leverage=3, symbol_rules=rules)
        result = sizer.atr_based(price, atr=atr, atr_multiplier=2, risk_percent="1.5")
        print(f"ATR(14) of {len(bars)} 15m bars: {atr:.2f}")
        print(
            f"{result.quantity} BTC at {price}, stop {result.stop_price} (2 ATR): risk "
            f"{result.risk_amount:.2f} USDT ({result.risk_percent:.2f}%), margin "
            f"{result.margin:.2f}, capped: {result.capped}"
        )
        for reason in result.reasons:
            print(f"  {reason}")
        print("valid:", sizer.validate_position_size(result))


if __name__ == "__main__":
    asyncio.run(main())
