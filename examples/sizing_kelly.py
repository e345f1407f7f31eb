"""Kelly sizing: bet a fraction of the Kelly fraction f* = p - (1 - p) / b.

A strategy that wins 55% of the time, 500 on a win and 300 on a loss, has f* = 28%;
half-Kelly asks for 14% of equity, which the 10% position cap cuts down (the result says
so). A strategy without an edge gets a zero size and the reason, not an error.

    python examples/sizing_kelly.py
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
        for win_rate, avg_win, avg_loss in (("0.55", 500, 300), ("0.40", 300, 300)):
            result = sizer.kelly_criterion(
                price, win_rate=win_rate, avg_win=avg_win, avg_loss=avg_loss, fraction="0.5"
            )
            print(
                f"p={win_rate}, win {avg_win}, loss {avg_loss}: {result.quantity} BTC "
                f"(asked {result.requested_position_percent:.1f}% of equity, got "
                f"{result.position_percent:.1f}%)"
            )
            for reason in result.reasons:
                print(f"  {reason}")
            print(f"  valid: {sizer.validate_position_size(result)}")


if __name__ == "__main__":
    asyncio.run(main())
