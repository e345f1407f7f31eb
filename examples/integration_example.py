# ruff: noqa: F401, I001  (the original's import line, kept as it was)
"""The original integration example, run against the embedded exchange simulator.

The only change from the original is how the exchange is created: `create_exchange(
"simulator")` starts a local AsterDEX-compatible exchange in this process (seed 7, BTCUSDT
at 50,000, 10,000 USDT), so the example runs offline and touches no money. To run the same
code on AsterDEX's testnet, create the exchange with `create_exchange("asterdex",
testnet=True)` and put the testnet credentials in `.env` (see `.env.example`).

    python examples/integration_example.py
"""
import asyncio
from execution import create_exchange, OrderManager, PositionSizer, OrderSide, SizingMethod

async def trade_example():
    # 1. Connect to AsterDEX (here: the embedded simulator)
    exchange = create_exchange("simulator")
    await exchange.connect()

    # 2. Get account balance
    balances = await exchange.fetch_balance()
    usdt_balance = balances['USDT'].total

    # 3. Initialize position sizer
    sizer = PositionSizer(
        account_balance=usdt_balance,
        max_risk_percent=2.0,
        leverage=3
    )

    # 4. Calculate position size
    current_price = 50000  # BTC price
    position = sizer.risk_based(
        current_price=current_price,
        stop_loss_price=48000,  # 2k stop
        risk_percent=1.5
    )

    # 5. Validate position
    if sizer.validate_position_size(position):
        # 6. Place order
        manager = OrderManager(exchange)
        order = await manager.place_market_order(
            symbol="BTC/USDT",
            side=OrderSide.BUY,
            quantity=position.quantity,
            strategy_name="my_strategy"
        )

        # 7. Place stop-loss
        await manager.place_stop_loss_order(
            symbol="BTC/USDT",
            side=OrderSide.SELL,
            quantity=position.quantity,
            stop_price=48000,
            parent_order_id=order.order.order_id
        )

        print(f"✅ Position opened: {position.quantity} BTC @ ${current_price}")

    await exchange.close()

asyncio.run(trade_example())
