"""A manager process for the ledger's restart test: buys at market, rests a limit sell,
waits until its ledger holds the buy's fill, prints READY, then waits to be killed.

    python ledger_driver.py REST_URL WS_URL API_KEY API_SECRET DB_PATH
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
from execution.store import SQLiteOrderStore

D = Decimal


async def main(rest_url: str, ws_url: str, api_key: str, api_secret: str, db: str) -> None:
    exchange = AsterDEXExchange(HmacCredentials(api_key, api_secret), rest_urls=[rest_url],
                                ws_url=ws_url, dotenv_path=None)
    await exchange.connect()
    store = SQLiteOrderStore(db)
    manager = OrderManager(exchange, store, poll_interval=0.2)
    await manager.start()
    await manager.place_market_order("BTCUSDT", OrderSide.BUY, D("0.01"),
                                     strategy_name="driver")
    sell = await manager.place_limit_order("BTCUSDT", OrderSide.SELL, D("0.01"), D("52000"),
                                           strategy_name="driver")
    while True:
        await manager.flush()
        if await store.load_fills():
            break
        await asyncio.sleep(0.02)
    print("READY " + json.dumps({"sell": sell.order_id}), flush=True)
    await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
