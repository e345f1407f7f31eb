"""A manager process holding a native (exchange-held) bracket is SIGKILLed right after the
entry fills: the position is protected on the exchange all along, and a new manager on the
same store reattaches to the strategy order, whose one-cancels-other still works."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderStatus
from execution.orders.bracket import BracketBackend, BracketStatus
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for

D = Decimal
BTC = "BTCUSDT"
DRIVER = Path(__file__).with_name("native_restart_driver.py")
Waiter = Callable[..., Awaitable[None]]


def exchange_open(simulator: SimulatedExchange) -> set[str]:
    account = simulator.account.account_id
    orders = simulator.engine.private(account, "GET", "openOrders", {"symbol": BTC})
    return {o["clientOrderId"] for o in orders}


async def test_sigkill_right_after_the_entry_fills_leaves_the_position_protected(
    simulator: SimulatedExchange, tmp_path: Path, wait_for: Waiter,
) -> None:
    simulator.set_price(BTC, D("50000"))
    account = simulator.account
    db = tmp_path / "orders.sqlite"
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(DRIVER), simulator.rest_url, simulator.ws_url, str(account.user),
        str(account.signer), str(account.signer_private_key), str(db),
        stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        assert line.startswith(b"READY "), line
        ids = json.loads(line[6:])
        assert ids["backend"] == BracketBackend.NATIVE.value
        assert exchange_open(simulator) == {ids["entry"]}  # the exits wait in the strategy
        simulator.fill_order(BTC, client_order_id=ids["entry"])
        # the exchange placed the exits with the fill, before the manager heard of it
        assert exchange_open(simulator) == {ids["stop"], ids["take"]}
        process.send_signal(signal.SIGKILL)  # at once: the fill's event may be unread
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == -signal.SIGKILL
    # Nobody runs: the exchange alone protects the position.
    assert exchange_open(simulator) == {ids["stop"], ids["take"]}

    async with AsterDEXExchange(
        credentials_for(simulator, "eip712"), rest_urls=simulator.rest_urls,
        ws_url=simulator.ws_url, dotenv_path=None,
    ) as exchange:
        held = [p for p in await exchange.get_positions(BTC) if p.quantity]
        assert [p.quantity for p in held] == [D("0.01")]
        async with OrderManager(exchange, db, poll_interval=0.2) as manager:
            bracket = manager.brackets[ids["entry"]]
            assert bracket.backend is BracketBackend.NATIVE
            await wait_for(lambda: bracket.status is BracketStatus.ACTIVE
                           and bracket.stop_loss is not None and bracket.stop_loss.is_open
                           and bracket.stop_loss.order_id != "")
            assert manager.last_protection is not None
            assert not manager.last_protection.unprotected
            placed = sum(1 for r in simulator.request_log if r.method == "POST"
                         and (r.path.endswith("/order") or r.path.endswith("StrategyOrder")))
            # The exchange's one-cancels-other after the restart: the take-profit fills,
            # the stop goes, and the manager follows both without sending anything.
            simulator.set_price(BTC, D("53500"))
            assert bracket.take_profit is not None
            take, stop = bracket.take_profit, bracket.stop_loss
            await wait_for(lambda: take.status is OrderStatus.FILLED
                           and stop.status is OrderStatus.CANCELED, 10.0)
            await wait_for(lambda: bracket.status is BracketStatus.CLOSED)
            assert exchange_open(simulator) == set()
            assert [p for p in await exchange.get_positions(BTC) if p.quantity] == []
            assert placed == sum(1 for r in simulator.request_log if r.method == "POST"
                                 and (r.path.endswith("/order")
                                      or r.path.endswith("StrategyOrder")))
