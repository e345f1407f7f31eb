"""The trading state outlives the process: a halt (panic, a loss limit, the operator) or a
REDUCING state recorded next to the SQLite store is taken up again by the next manager on
that store; an unreadable record halts; a record that cannot be written is reported."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal as D
from pathlib import Path

import pytest

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus
from execution.orders.manager import OrderManager
from execution.risk import DenialReason, RiskDeniedError, RiskEngine, TradingState
from execution.risk.state_file import (
    SavedTradingState,
    TradingStateFile,
    read_state,
    state_file_for_store,
    write_state,
)
from execution.simulator import SimulatedExchange

BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]


def order_posts(sim: SimulatedExchange) -> int:
    return sum(1 for r in sim.request_log if r.method == "POST" and r.path.endswith("/order"))


async def test_a_panic_halts_the_next_manager_on_the_store_until_resumed(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    simulator.set_price(BTC, D("50000"))
    store = tmp_path / "orders.sqlite"
    async with OrderManager(exchange, store) as manager:
        await manager.place_market_order(BTC, OrderSide.BUY, D("0.01"))
        report = await manager.panic()
        assert report.flat and not report.errors, report.summary()
        # on disk as soon as panic returns: a SIGKILL from here on keeps the halt
        recorded = read_state(state_file_for_store(str(store)))
        assert recorded is not None and recorded.state is TradingState.HALTED
    async with OrderManager(exchange, store) as restarted:
        assert restarted.risk.state is TradingState.HALTED
        assert "panic" in restarted.risk.state_reason
        sent = order_posts(simulator)
        with pytest.raises(RiskDeniedError) as caught:
            await restarted.place_market_order(BTC, OrderSide.BUY, D("0.001"))
        assert caught.value.reason is DenialReason.HALTED and order_posts(simulator) == sent
        restarted.risk.set_state("ACTIVE", "reviewed")
    async with OrderManager(exchange, store) as resumed:
        assert resumed.risk.state is TradingState.ACTIVE
        order = await resumed.place_market_order(BTC, OrderSide.BUY, D("0.001"))
        assert order.status is OrderStatus.FILLED


async def test_reducing_is_kept_and_an_engine_of_ones_own_keeps_its_own_file(
    exchange: AsterDEXExchange, tmp_path: Path,
) -> None:
    store = tmp_path / "orders.sqlite"
    async with OrderManager(exchange, store) as manager:
        manager.risk.set_state(TradingState.REDUCING, "end of session")
    async with OrderManager(exchange, store) as restarted:
        assert restarted.risk.state is TradingState.REDUCING
    own = tmp_path / "desk-state.json"
    engine = RiskEngine(state_file=own)
    async with OrderManager(exchange, tmp_path / "other.sqlite", risk=engine) as manager:
        manager.risk.set_state("HALTED", "desk")
    assert read_state(own) == SavedTradingState(TradingState.HALTED, "desk",
                                                read_state(own).set_at_ms)  # type: ignore[union-attr]
    assert not state_file_for_store(str(tmp_path / "other.sqlite")).exists()


async def test_an_unreadable_record_halts_and_says_why(
    exchange: AsterDEXExchange, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    store = tmp_path / "orders.sqlite"
    state_file_for_store(str(store)).write_bytes(b'{"state": "ACTIV')  # torn by hand
    with caplog.at_level(logging.ERROR, logger="execution.risk.state_file"):
        async with OrderManager(exchange, store) as manager:
            assert manager.risk.state is TradingState.HALTED
            assert "trading-state file" in manager.risk.state_reason
    assert "stays HALTED" in caplog.text
    state_file_for_store(str(store)).write_text('{"state": "PAUSED"}')  # not a state
    assert read_state(state_file_for_store(str(store))).state is TradingState.HALTED  # type: ignore[union-attr]


async def test_a_state_that_cannot_be_written_is_reported_and_still_holds_in_memory(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    simulator.set_price(BTC, D("50000"))
    store = tmp_path / "orders.sqlite"
    state_file_for_store(str(store)).mkdir()  # the file's place is taken: every write fails
    with caplog.at_level(logging.ERROR, logger="execution.risk.state_file"):
        async with OrderManager(exchange, store) as manager:
            report = await manager.panic()
            assert any("not recorded on disk" in error for error in report.errors), report
            assert manager.risk.state is TradingState.HALTED
            with pytest.raises(RiskDeniedError):
                await manager.place_market_order(BTC, OrderSide.BUY, D("0.001"))
    assert "not recorded" in caplog.text


def test_without_a_running_loop_the_state_is_written_at_once(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    engine = RiskEngine(state_file=TradingStateFile(path))
    engine.set_state("HALTED", "script")
    assert read_state(path).state is TradingState.HALTED  # type: ignore[union-attr]
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary left


async def test_the_latest_of_quick_changes_wins(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    engine = RiskEngine(state_file=path)
    for state in ("HALTED", "REDUCING", "ACTIVE", "HALTED", "REDUCING"):
        engine.set_state(state, f"to {state}")
    await engine.flush_state()
    assert read_state(path) is not None
    assert read_state(path).state is TradingState.REDUCING  # type: ignore[union-attr]
    assert read_state(path).reason == "to REDUCING"  # type: ignore[union-attr]


async def test_a_running_manager_takes_up_a_halt_recorded_by_another_process(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    wait_for: Waiter,
) -> None:
    """The operator halts the store from the command line while the bot runs: the bot
    stops trading within a poll (before, it went on until its next start). A looser record
    never loosens it; an unreadable one halts a start, not a running manager."""
    simulator.set_price(BTC, D("50000"))
    store = tmp_path / "orders.sqlite"
    path = state_file_for_store(str(store))
    async with OrderManager(exchange, store) as manager:
        path.write_text("{not json")  # unreadable meanwhile: left to the next start
        await asyncio.sleep(2.5)
        assert manager.risk.state is TradingState.ACTIVE
        later = int(time.time() * 1000) + 1
        await asyncio.to_thread(write_state, path,
                                SavedTradingState(TradingState.HALTED, "operator", later))
        await wait_for(lambda: manager.risk.state is TradingState.HALTED, 10.0)
        assert "operator" in manager.risk.state_reason
        sent = order_posts(simulator)
        with pytest.raises(RiskDeniedError):
            await manager.place_market_order(BTC, OrderSide.BUY, D("0.001"))
        assert order_posts(simulator) == sent
        await asyncio.to_thread(write_state, path,
                                SavedTradingState(TradingState.ACTIVE, "someone", later + 5000))
        await asyncio.sleep(2.5)
        assert manager.risk.state is TradingState.HALTED  # only the operator's own resume
