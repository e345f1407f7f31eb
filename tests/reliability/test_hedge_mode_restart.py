"""A manager process with both legs of a hedge-mode symbol open and bracketed is killed
(SIGKILL); a new manager on the same SQLite store finds both legs still protected on the
exchange, takes each back to its bracket, and one-cancels-other still works per leg: the
LONG leg's take-profit ends the LONG leg's stop and leaves the SHORT leg's exits alone.
Emulated brackets (HMAC, this process places the exits) and native ones (EIP-712, OTOCO
strategies held by the exchange)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderStatus, PositionSide
from execution.orders.bracket import Bracket, BracketBackend, BracketStatus
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange

BTC = "BTCUSDT"
LONG, SHORT = PositionSide.LONG, PositionSide.SHORT
DRIVER = Path(__file__).with_name("hedge_restart_driver.py")


def keys(sim: SimulatedExchange) -> dict[str, str]:
    account = sim.account
    return {"api_key": account.api_key or "", "api_secret": account.api_secret or "",
            "user": account.user or "", "signer": account.signer or "",
            "private_key": account.signer_private_key or ""}


async def run_and_kill(sim: SimulatedExchange, auth: str, db: Path) -> dict[str, str]:
    """Start the driver, wait for READY (both legs bracketed), SIGKILL it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(DRIVER), sim.rest_url, sim.ws_url, auth, json.dumps(keys(sim)),
        str(db), stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60.0)
        assert line.startswith(b"READY "), line
        ids: dict[str, str] = json.loads(line[len(b"READY "):])
        await asyncio.sleep(0.3)  # the driver is busy churning orders on both legs
        process.send_signal(signal.SIGKILL)
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == -signal.SIGKILL
    return ids


def live(bracket: Bracket) -> bool:
    return all(x is not None and x.is_open and bool(x.order.order_id)
               for x in (bracket.stop_loss, bracket.take_profit))


def exit_ids(bracket: Bracket) -> set[str]:
    return {x.client_order_id for x in (bracket.stop_loss, bracket.take_profit) if x}


@pytest.mark.parametrize("auth", ["hmac", "eip712"])
async def test_both_legs_stay_protected_across_a_sigkill(
    simulator: SimulatedExchange, tmp_path: Path, helpers: Any, auth: str,
) -> None:
    simulator.set_price(BTC, D("50000"))
    client = helpers.hmac_client if auth == "hmac" else helpers.eip712_client
    async with client(simulator) as setup:
        await setup.margin.set_position_mode("hedge")
    db = tmp_path / "orders.sqlite"
    ids = await run_and_kill(simulator, auth, db)

    exchange: AsterDEXExchange
    async with client(simulator) as exchange:
        # Nobody watches: both legs are still held and protected on the exchange.
        legs = {p.position_side: p.quantity for p in await exchange.get_positions(BTC)}
        assert legs == {LONG: D("0.02"), SHORT: D("-0.01")}
        protective = {(o.position_side, o.side.value) for o in await exchange.get_open_orders(BTC)
                      if o.order_type.value in ("STOP_MARKET", "TAKE_PROFIT_MARKET")}
        assert protective == {(LONG, "SELL"), (SHORT, "BUY")}

        async with OrderManager(exchange, db, poll_interval=0.2, pending_grace=0.5) as manager:
            long, short = manager.brackets[ids["long"]], manager.brackets[ids["short"]]
            backend = BracketBackend.EMULATED if auth == "hmac" else BracketBackend.NATIVE
            assert long.backend is short.backend is backend
            assert long.position_side is LONG and short.position_side is SHORT
            await helpers.wait_for(lambda: live(long) and live(short), 15.0)
            assert long.status is short.status is BracketStatus.ACTIVE
            # Reattached: the exits the brackets hold are the ones live on the exchange,
            # one pair per leg and nothing placed twice.
            on_exchange = {o.client_order_id: o for o in await exchange.get_open_orders(BTC)}
            for bracket, leg in ((long, LONG), (short, SHORT)):
                assert exit_ids(bracket) <= set(on_exchange)
                assert {on_exchange[i].position_side for i in exit_ids(bracket)} == {leg}
            stops = [o for o in on_exchange.values() if o.order_type.value == "STOP_MARKET"]
            assert len(stops) == 2
            report = await manager.audit_protection()
            assert report.is_protected
            assert {p.position_side for p in report.positions} == {LONG, SHORT}
            assert {p.position_side for p in manager.position_legs(BTC)} == {LONG, SHORT}

            # One-cancels-other per leg: the LONG take-profit (51000) fills; the LONG
            # stop goes, the SHORT leg's stop (53000) and take-profit (47000) stay.
            long_stop = long.stop_loss
            assert long_stop is not None and long.take_profit is not None
            simulator.set_price(BTC, D("51500"))
            await helpers.wait_for(lambda: long.take_profit is not None
                                   and long.take_profit.status is OrderStatus.FILLED, 15.0)
            await helpers.wait_for(lambda: long.status is BracketStatus.CLOSED
                                   and long_stop.status is OrderStatus.CANCELED, 15.0)
            assert short.status is BracketStatus.ACTIVE and live(short)
            still = {o.client_order_id for o in await exchange.get_open_orders(BTC)}
            assert exit_ids(short) <= still and not exit_ids(long) & still
            legs = {p.position_side: p.quantity for p in await exchange.get_positions(BTC)}
            assert legs == {SHORT: D("-0.01")}
            assert (await manager.audit_protection()).is_protected
