"""A manager process is killed (SIGKILL) after its first fill; fills go on while it is
down; a sync after the restart rebuilds its ledger, and it equals the ledger a manager
that stayed up recorded live from the stream."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.ledger.conftest import wait_until

from execution.exchange.asterdex import AsterDEXExchange
from execution.ledger import LedgerFill, RoundTrip, read_ledger
from execution.ledger.sync import sync_ledger
from execution.models import OrderSide
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.store import SQLiteOrderStore

D = Decimal
DRIVER = Path(__file__).with_name("ledger_driver.py")


def _fill(f: LedgerFill) -> tuple[Any, ...]:
    """What the exchange says of a fill (the order's labels differ between the stores)."""
    return (f.symbol, f.trade_id, f.order_id, f.side, f.position_side, f.price, f.quantity,
            f.commission, f.commission_asset, f.realized_pnl, f.time)


def _trip(t: RoundTrip) -> tuple[Any, ...]:
    return (t.symbol, t.direction, t.quantity, t.entry_price, t.exit_price, t.opened_at,
            t.closed_at, t.gross_pnl, t.realized_pnl, t.fees, t.trade_ids)


async def _run_driver(simulator: SimulatedExchange, db: Path) -> dict[str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(DRIVER), simulator.rest_url, simulator.ws_url,
        simulator.account.api_key, simulator.account.api_secret, str(db),
        stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        assert line.startswith(b"READY "), line
        process.send_signal(signal.SIGKILL)
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == -signal.SIGKILL
    ids: dict[str, str] = json.loads(line[6:])
    return ids


async def test_a_ledger_rebuilt_by_sync_after_a_kill_equals_the_one_recorded_live(
    simulator: SimulatedExchange, exchange: AsterDEXExchange, tmp_path: Path,
) -> None:
    simulator.set_price("BTCUSDT", D("50000"))
    crashed = tmp_path / "crashed.sqlite"
    async with OrderManager(exchange, tmp_path / "live.sqlite", adopt="all",
                            poll_interval=0.2) as live:
        ids = await _run_driver(simulator, crashed)
        # While the killed process is down: its resting sell fills, and more trades.
        simulator.fill_order("BTCUSDT", order_id=int(ids["sell"]))
        simulator.set_price("BTCUSDT", D("50500"))
        await live.place_market_order("BTCUSDT", OrderSide.BUY, D("0.02"))
        simulator.set_price("BTCUSDT", D("49800"))
        await live.place_market_order("BTCUSDT", OrderSide.SELL, D("0.02"))
        store = live.store
        assert isinstance(store, SQLiteOrderStore)

        async def four_fills() -> bool:
            await live.flush()
            return len(await store.load_fills()) == 4

        await wait_until(four_fills)
        recorded_live = await read_ledger(store)
    assert {f.source for f in recorded_live.fills} == {"stream"}

    before = await SQLiteOrderStore(crashed).load_fills()
    assert [(f.side, f.strategy, f.source) for f in before] == [("BUY", "driver", "stream")]
    async with SQLiteOrderStore(crashed) as restarted:  # the lock died with the process
        report = await sync_ledger(exchange, restarted)
        rebuilt = await read_ledger(restarted)
    assert report.fills_new == 3 and report.symbols == ["BTCUSDT"]

    assert [_fill(f) for f in rebuilt.fills] == [_fill(f) for f in recorded_live.fills]
    assert [_trip(t) for t in rebuilt.round_trips()] == [
        _trip(t) for t in recorded_live.round_trips()]
    assert len(rebuilt.round_trips()) == 2
    # The fill seen live keeps its strategy; the one filled while down gets its order's.
    assert [f.strategy for f in rebuilt.fills[:2]] == ["driver", "driver"]
