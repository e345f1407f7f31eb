"""A manager process for the restart test: places orders, prints READY, then keeps
placing and cancelling until it is killed.

    python restart_driver.py REST_URL WS_URL API_KEY API_SECRET DB_PATH
"""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal

from execution.auth import HmacCredentials
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide
from execution.orders.manager import OrderManager

D = Decimal
BTC = "BTCUSDT"


async def main(rest_url: str, ws_url: str, api_key: str, api_secret: str, db: str) -> None:
    exchange = AsterDEXExchange(
        HmacCredentials(api_key, api_secret),
        rest_urls=[rest_url],
        ws_url=ws_url,
        dotenv_path=None,
    )
    await exchange.connect()
    manager = OrderManager(exchange, db, poll_interval=0.2)
    await manager.start()
    resting = [
        await manager.place_limit_order(
            BTC, OrderSide.BUY, D("0.01"), D(49000 + 100 * i), strategy_name="restart"
        )
        for i in range(5)
    ]
    sell = await manager.place_limit_order(BTC, OrderSide.SELL, D("0.01"), D("52000"))
    bracket = await manager.place_bracket_order(
        BTC,
        OrderSide.BUY,
        D("0.010"),
        entry_price=D("49900"),
        stop_loss_price=D("49000"),
        take_profit_price=D("51000"),
        strategy_name="restart",
    )
    ids = {
        "resting": [m.client_order_id for m in resting],
        "sell": sell.client_order_id,
        "entry": bracket.entry.client_order_id,
    }
    print("READY " + json.dumps(ids), flush=True)
    step = 0
    while True:  # keep the manager busy until it is killed
        step += 1
        order = await manager.place_limit_order(
            BTC, OrderSide.BUY, D("0.01"), D(48000 + step % 100), strategy_name="churn"
        )
        await manager.cancel_order(order.client_order_id)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
