"""A manager process is killed (SIGKILL) with orders open and fills happening; a new
manager on the same SQLite file reconciles to exactly the exchange's state."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

from execution.auth import HmacCredentials
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderStatus
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.store import OrderStore

D = Decimal
BTC = "BTCUSDT"
DRIVER = Path(__file__).with_name("restart_driver.py")
Waiter = Callable[..., Awaitable[None]]


async def test_restart_after_sigkill_reconciles_to_exchange_state(
    simulator: SimulatedExchange, tmp_path: Path, wait_for: Waiter
) -> None:
    db = tmp_path / "orders.sqlite"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(DRIVER),
        simulator.rest_url,
        simulator.ws_url,
        simulator.account.api_key,
        simulator.account.api_secret,
        str(db),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        assert line.startswith(b"READY "), line
        ids = json.loads(line[6:])
        resting = ids["resting"]
        # Fills while the manager runs: some it sees, some it will not have time to.
        simulator.fill_order(BTC, client_order_id=resting[0])
        simulator.fill_order(BTC, client_order_id=resting[1], quantity=D("0.004"))
        simulator.fill_order(BTC, client_order_id=ids["entry"], quantity=D("0.004"))
        await asyncio.sleep(0.3)
        simulator.fill_order(BTC, client_order_id=resting[2])
        simulator.fill_order(BTC, client_order_id=resting[1], quantity=D("0.002"))
        process.send_signal(signal.SIGKILL)
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == -signal.SIGKILL
    # While nobody watches: another fill and a cancel by hand.
    simulator.fill_order(BTC, client_order_id=resting[3], quantity=D("0.005"))
    simulator.engine.private(
        simulator.account.account_id,
        "DELETE",
        "order",
        {"symbol": BTC, "origClientOrderId": resting[4]},
    )

    credentials = HmacCredentials(simulator.account.api_key, simulator.account.api_secret)
    async with AsterDEXExchange(
        credentials, rest_urls=[simulator.rest_url], ws_url=simulator.ws_url, dotenv_path=None
    ) as exchange:
        # An order the killed process had just sent and the exchange does not know is
        # settled (REJECTED, never placed) once the grace for a late processing is over.
        manager = OrderManager(exchange, db, poll_interval=0.2, pending_grace=0.5)
        report = await manager.start()
        try:
            assert not report.is_clean
            changed = {c.client_order_id for c in report.changed}
            assert {resting[3], resting[4]} <= changed  # what happened while down
            assert report.adopted == []
            # The kill may land while a churn order is stored but not yet answered: such an
            # order is flagged as not found yet, never one of the orders the exchange has.
            known = set(resting) | {ids["sell"], ids["entry"]}
            assert all(client_id not in known for client_id, _ in report.flagged)

            bracket = manager.brackets[ids["entry"]]
            await wait_for(
                lambda: (
                    bracket.stop_loss is not None
                    and bracket.stop_loss.is_open
                    and bracket.take_profit is not None
                    and bracket.take_profit.is_open
                )
            )
            await asyncio.sleep(0.3)

            exchange_orders = await exchange.get_all_orders(BTC)
            assert len(exchange_orders) >= 8
            for snapshot in exchange_orders:
                managed = manager.get_order(snapshot.client_order_id)
                assert managed is not None, snapshot.client_order_id
                assert (managed.status, managed.filled_quantity) == (
                    snapshot.status,
                    snapshot.filled_quantity,
                ), snapshot.client_order_id
            assert manager.get_order(resting[1]).filled_quantity == D("0.006")  # type: ignore[union-attr]
            assert bracket.stop_loss.order.quantity == D("0.004")  # type: ignore[union-attr]
            # Nothing the manager tracks is left in flight (an order stored but never sent
            # is settled after the grace), and the open orders are the exchange's.
            await wait_for(lambda: all(
                m.status not in (OrderStatus.PENDING_NEW, OrderStatus.PENDING_CANCEL)
                for m in manager.orders
            ))
            exchange_open = {o.client_order_id for o in await exchange.get_open_orders()}
            assert {m.client_order_id for m in manager.open_orders()} == exchange_open
        finally:
            await manager.stop()

    # The store agrees with memory after the restart.
    async with OrderStore(db) as store:
        stored = {m.client_order_id: m for m in await store.query_orders()}
    for snapshot in exchange_orders:
        row = stored[snapshot.client_order_id]
        assert (row.status, row.filled_quantity) == (snapshot.status, snapshot.filled_quantity)
