"""Fixed-percentage sizing: commit a fixed share of equity as margin.

With no stop, the whole margin is at risk (an isolated position can lose all of it), so 5%
of equity at 3x risks 5%: more than the default 2% limit, and the verdict says so.

    python examples/sizing_fixed_percentage.py
"""

import asyncio

from execution import PositionSizer, create_exchange

SYMBOL = "BTCUSDT"


async def main() -> None:
    async with create_exchange("simulator") as exchange:
        equity = (await exchange.fetch_balance())["USDT"].available_balance
        price = await exchange.fetch_mark_price(SYMBOL)
        rules = await exchange.get_symbol_rules(SYMBOL)

        sizer = PositionSizer(equity, leverage=3, symbol_rules=rules)
        for percent in (5, 1):
            result = sizer.fixed_percentage(price, position_percent=percent)
            print(
                f"{percent}% of {equity} USDT at {price}: {result.quantity} BTC, notional "
                f"{result.notional:.2f}, margin {result.margin:.2f}, "
                f"risk {result.risk_percent:.2f}%"
            )
            problems = sizer.check_position_size(result)
            print("  valid" if not problems else "  not valid: " + "; ".join(map(str, problems)))


if __name__ == "__main__":
    asyncio.run(main())
