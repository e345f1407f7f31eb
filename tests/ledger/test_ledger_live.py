"""What a running manager puts in its store's ledger: every trade's fill as the stream
delivers it (fee, fee asset, realised PnL, the order's strategy), and the funding the
stream says was paid, read from the exchange's income history; a sync then finds nothing
new."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from tests.ledger.conftest import wait_until

from execution.exchange.asterdex import AsterDEXExchange
from execution.ledger import read_ledger
from execution.ledger.sync import sync_ledger
from execution.models import OrderSide
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.store_memory import MemoryOrderStore

D = Decimal


@pytest.mark.parametrize("kind", ["sqlite", "memory"])
async def test_the_manager_records_fills_and_funding_into_the_ledger(
    simulator: SimulatedExchange, exchange: AsterDEXExchange, tmp_path: Path, kind: str,
) -> None:
    simulator.set_price("BTCUSDT", D("50000"))
    account = simulator.engine.core.account(simulator.account.account_id)
    wallet_before = account.wallet
    store = tmp_path / "orders.sqlite" if kind == "sqlite" else MemoryOrderStore()
    async with OrderManager(exchange, store, poll_interval=60) as manager:
        ledger = manager.store
        assert ledger is not None
        await manager.place_market_order("BTCUSDT", OrderSide.BUY, D("0.01"),
                                         strategy_name="carry")
        simulator.engine.funding.settle_now()

        async def funding_recorded() -> bool:
            return bool(await ledger.load_income("FUNDING_FEE"))  # type: ignore[attr-defined]

        await wait_until(funding_recorded)
        simulator.set_price("BTCUSDT", D("50100"))
        await manager.place_market_order("BTCUSDT", OrderSide.SELL, D("0.01"),
                                         strategy_name="carry")
        await manager.flush()
        live = await read_ledger(ledger)  # type: ignore[arg-type]
        assert [(f.side, f.source, f.strategy) for f in live.fills] == [
            ("BUY", "stream", "carry"), ("SELL", "stream", "carry")]
        assert all(f.commission is not None and f.commission > 0 for f in live.fills)
        (funding,) = live.funding()
        assert funding.income == D("-0.05") and funding.symbol == "BTCUSDT"
        report = await sync_ledger(exchange, ledger)  # type: ignore[arg-type]
        assert report.fills_new == 0 and report.fills_read == 2
    synced = await read_ledger(ledger)  # type: ignore[arg-type]
    (trip,) = synced.round_trips()
    assert trip.funding == D("-0.05") and trip.strategy == "carry"
    assert trip.net_pnl == account.wallet - wallet_before
