"""A manager process for the native-bracket restart test: places one AsterDEX strategy
bracket (v3), prints READY with its client ids, then idles until it is killed.

    python native_restart_driver.py REST_URL WS_URL USER SIGNER SIGNER_KEY DB_PATH
"""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal

from execution.auth import Eip712Credentials
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide
from execution.orders.manager import OrderManager
from execution.secrets import Secret

D = Decimal
BTC = "BTCUSDT"


async def main(rest_url: str, ws_url: str, user: str, signer: str, key: str, db: str) -> None:
    exchange = AsterDEXExchange(
        Eip712Credentials(user, signer, Secret(key)), rest_urls=[rest_url], ws_url=ws_url,
        dotenv_path=None,
    )
    await exchange.connect()
    manager = OrderManager(exchange, db, poll_interval=0.2)
    await manager.start()
    bracket = await manager.place_bracket_order(
        BTC, OrderSide.BUY, D("0.01"), entry_price=D("49000"),
        stop_loss_price=D("47000"), take_profit_price=D("53000"), strategy_name="native",
    )
    await manager.flush()
    assert bracket.stop_loss is not None and bracket.take_profit is not None
    print("READY " + json.dumps({
        "entry": bracket.entry.client_order_id,
        "stop": bracket.stop_loss.client_order_id,
        "take": bracket.take_profit.client_order_id,
        "backend": bracket.backend.value,
    }), flush=True)
    await asyncio.Event().wait()  # the manager follows the stream until it is killed


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:7]))
