"""A manager process for the hedge-mode restart test: opens a LONG and a SHORT bracket on
one symbol, waits until both legs' exits are live on the exchange, prints READY with the
entries' client ids, then keeps the manager busy until it is killed.

    python hedge_restart_driver.py REST_URL WS_URL AUTH CREDENTIALS_JSON DB_PATH

AUTH is "hmac" (emulated brackets) or "eip712" (native brackets); CREDENTIALS_JSON holds
the simulator account's keys (test keys of a loopback simulator, nothing else).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from decimal import Decimal

from execution.auth import Credentials, Eip712Credentials, HmacCredentials
from execution.exchange.asterdex import AsterDEXExchange
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderType
from execution.orders.bracket import Bracket
from execution.orders.manager import OrderManager
from execution.secrets import Secret

D = Decimal
BTC = "BTCUSDT"


def credentials(auth: str, keys: dict[str, str]) -> Credentials:
    if auth == "hmac":
        return HmacCredentials(keys["api_key"], Secret(keys["api_secret"]))
    return Eip712Credentials(keys["user"], keys["signer"], Secret(keys["private_key"]))


def live(bracket: Bracket) -> bool:
    return all(x is not None and x.is_open and bool(x.order.order_id)
               for x in (bracket.stop_loss, bracket.take_profit))


async def main(rest_url: str, ws_url: str, auth: str, keys: str, db: str) -> None:
    exchange = AsterDEXExchange(credentials(auth, json.loads(keys)), rest_urls=[rest_url],
                                ws_url=ws_url, dotenv_path=None)
    await exchange.connect()
    manager = OrderManager(exchange, db, poll_interval=0.2)
    await manager.start()
    long = await manager.place_bracket_order(
        BTC, OrderSide.BUY, D("0.02"), stop_loss_price=D("48000"),
        take_profit_price=D("51000"), position_side="LONG", strategy_name="hedge")
    short = await manager.place_bracket_order(
        BTC, OrderSide.SELL, D("0.01"), stop_loss_price=D("53000"),
        take_profit_price=D("47000"), position_side="SHORT", strategy_name="hedge")
    deadline = time.monotonic() + 60
    while not (live(long) and live(short)):
        if time.monotonic() > deadline:
            raise SystemExit("the exits of both legs did not go live")
        await asyncio.sleep(0.02)
    await manager.flush()
    print("READY " + json.dumps({"long": long.bracket_id, "short": short.bracket_id}),
          flush=True)
    step = 0
    while True:  # keep the manager busy (a resting order on each leg) until it is killed
        step += 1
        for side, leg, price in ((OrderSide.BUY, "LONG", 40000), (OrderSide.SELL, "SHORT", 60000)):
            order = await manager.place_order(
                OrderIntent(BTC, side, OrderType.LIMIT, D("0.001"), price=D(price + step % 50),
                            time_in_force="GTC", position_side=leg),
                strategy_name="churn")
            await manager.cancel_order(order.client_order_id)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
