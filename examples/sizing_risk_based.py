"""Risk-based sizing: the quantity that loses exactly the risk budget if the stop fills.

Risk 1.5% of equity with a stop 4% under the price, at 3x; the fee rate makes the sizer
count the fees of both fills in the risk. The position is then opened with a market order
and protected by a reduce-only stop-loss at the sizer's (tick-rounded) stop.

    python examples/sizing_risk_based.py
"""

import asyncio
from decimal import Decimal

from execution import OrderManager, OrderSide, PositionSizer, create_exchange

SYMBOL = "BTCUSDT"


async def main() -> None:
    async with create_exchange("simulator") as exchange:
        equity = (await exchange.fetch_balance())["USDT"].available_balance
        price = await exchange.fetch_mark_price(SYMBOL)
        rules = await exchange.get_symbol_rules(SYMBOL)

        sizer = PositionSizer(
            equity, leverage=3, fee_rate=Decimal("0.0005"), symbol_rules=rules
        )
        result = sizer.risk_based(price, stop_loss_price=price * Decimal("0.96"), risk_percent=1.5)
        print(
            f"{result.quantity} BTC at {price}, stop {result.stop_price}: risk "
            f"{result.risk_amount:.2f} USDT ({result.risk_percent:.2f}%), margin "
            f"{result.margin:.2f} ({result.position_percent:.1f}%), capped: {result.capped}"
        )
        if not sizer.validate_position_size(result):
            print("not valid:", "; ".join(map(str, sizer.check_position_size(result))))
            return

        await exchange.set_leverage(SYMBOL, 3)
        async with OrderManager(exchange) as manager:
            entry = await manager.place_market_order(
                SYMBOL, OrderSide.BUY, result.quantity, strategy_name="risk_based"
            )
            stop = await manager.place_stop_loss_order(
                SYMBOL, OrderSide.SELL, result.quantity, result.stop_price,
                strategy_name="risk_based", parent_order_id=entry.order.order_id,
            )
            print(f"entry {entry.order.status.value} at {entry.order.average_price}")
            print(f"stop-loss {stop.order.status.value} at {stop.order.stop_price} (reduce-only)")


if __name__ == "__main__":
    asyncio.run(main())
