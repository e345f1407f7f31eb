"""The risk layer on the one path of every order, against the simulator: the trading
state, exposure counting open orders, the price band, the throttle, the loss limit, the
kill switch; every refusal typed, nothing sent, nothing recorded."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from execution.errors import ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus
from execution.orders.manager import OrderManager
from execution.risk import DenialReason, RiskDeniedError, RiskLimits, TradingState
from execution.simulator import SimulatedExchange
from execution.timekeeping import ManualClock

from .conftest import ManagerFactory, Waiter

BTC, ETH = "BTCUSDT", "ETHUSDT"


def order_posts(sim: SimulatedExchange) -> int:
    return sum(1 for r in sim.request_log if r.method == "POST" and r.path.endswith("/order"))


async def refused(manager: OrderManager, sim: SimulatedExchange, reason: DenialReason,
                  *args: object, **kwargs: object) -> RiskDeniedError:
    """Place a limit order that must be refused for `reason`: nothing sent or tracked."""
    sent, tracked = order_posts(sim), len(manager.orders)
    with pytest.raises(RiskDeniedError) as caught:
        await manager.place_limit_order(*args, **kwargs)  # type: ignore[arg-type]
    assert caught.value.reason is reason, caught.value
    assert order_posts(sim) == sent and len(manager.orders) == tracked
    return caught.value


async def test_reducing_allows_only_what_reduces_and_halted_nothing_of_the_callers(
    manager_factory: ManagerFactory, simulator: SimulatedExchange, wait_for: Waiter,
) -> None:
    simulator.set_price(BTC, D("50000"))
    manager = await manager_factory()
    bought = await manager.place_market_order(BTC, OrderSide.BUY, D("0.02"))
    assert bought.status is OrderStatus.FILLED
    await manager.refresh_positions()
    manager.risk.set_state("REDUCING", "test")
    error = await refused(manager, simulator, DenialReason.REDUCING_ONLY,
                          BTC, OrderSide.BUY, D("0.01"), D("49000"))
    assert error.field == "reduce_only" and "REDUCING_ONLY" in str(error)
    await refused(manager, simulator, DenialReason.REDUCING_ONLY,  # would flip to a short
                  BTC, OrderSide.SELL, D("0.03"), D("51000"))
    sold = await manager.place_limit_order(BTC, OrderSide.SELL, D("0.01"), D("51000"))
    assert sold.status is OrderStatus.NEW  # reduces the long: allowed
    manager.risk.set_state(TradingState.HALTED, "test")
    await refused(manager, simulator, DenialReason.HALTED,
                  BTC, OrderSide.SELL, D("0.01"), D("51000"), reduce_only=True)
    # Flattening is the manager's own risk reduction: never held up.
    closing = await manager.close_position(BTC)
    assert closing and closing[-1].status is OrderStatus.FILLED


async def test_the_symbol_cap_counts_open_orders_as_filled_and_the_band_the_mark(
    manager_factory: ManagerFactory, simulator: SimulatedExchange,
) -> None:
    simulator.set_price(BTC, D("50000"))
    manager = await manager_factory(risk=RiskLimits(
        max_symbol_notional=D("1000"), price_band_percent=D("10"),
    ))
    first = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("46000"))
    assert first.status is OrderStatus.NEW  # 500 at the mark
    error = await refused(manager, simulator, DenialReason.SYMBOL_NOTIONAL,
                          BTC, OrderSide.BUY, D("0.02"), D("46000"))
    assert "1500" in error.rule and "1000" in error.rule
    await refused(manager, simulator, DenialReason.PRICE_BAND,  # 20% below the mark
                  BTC, OrderSide.BUY, D("0.001"), D("40000"))
    await manager.cancel_order(first.client_order_id)
    second = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.02"), D("46000"))
    assert second.status is OrderStatus.NEW  # the cancelled order no longer counts


async def test_the_throttle_runs_on_the_managers_clock(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    simulator.set_price(BTC, D("50000"))
    clock = ManualClock()
    async with OrderManager(exchange, tmp_path / "orders.sqlite", clock=clock,
                            risk=RiskLimits(max_orders_per_second=2)) as manager:
        for _ in range(2):
            await manager.place_limit_order(BTC, OrderSide.BUY, D("0.001"), D("45000"))
        await refused(manager, simulator, DenialReason.RATE,
                      BTC, OrderSide.BUY, D("0.001"), D("45000"))
        await clock.advance(1.0)
        again = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.001"), D("45000"))
        assert again.status is OrderStatus.NEW


async def test_a_day_past_the_loss_limit_halts_and_a_restart_remembers_it(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    wait_for: Waiter,
) -> None:
    simulator.set_price(BTC, D("50000"))
    limits = RiskLimits(daily_loss_limit=D("20"), loss_action="HALTED")
    store = tmp_path / "orders.sqlite"
    async with OrderManager(exchange, store, risk=limits) as manager:
        await manager.place_market_order(BTC, OrderSide.BUY, D("0.01"))
        simulator.set_price(BTC, D("47000"))  # -30 on 0.01
        await manager.close_position(BTC)
        await wait_for(lambda: manager.risk.state is TradingState.HALTED)
        assert manager.risk.day_result < D("-20")
        assert "DAILY_LOSS" in manager.risk.state_reason
        await refused(manager, simulator, DenialReason.HALTED,
                      BTC, OrderSide.BUY, D("0.001"), D("45000"))
    async with OrderManager(exchange, store, risk=limits) as restarted:
        assert restarted.risk.state is TradingState.HALTED  # today's fills from the store


async def test_panic_cancels_everything_and_flattens_every_symbol(
    manager_factory: ManagerFactory, simulator: SimulatedExchange, exchange: AsterDEXExchange,
) -> None:
    simulator.set_price(BTC, D("50000"))
    simulator.set_price(ETH, D("3000"))
    manager = await manager_factory()
    await manager.place_market_order(BTC, OrderSide.BUY, D("0.01"))
    await manager.place_market_order(ETH, OrderSide.SELL, D("0.1"))
    for price in ("45000", "44000", "43000"):
        await manager.place_limit_order(BTC, OrderSide.BUY, D("0.001"), D(price))
    await manager.place_stop_loss_order(ETH, OrderSide.BUY, D("0.1"), D("3300"))
    # An order this manager did not place is cancelled too: the account is what panics.
    await exchange.create_order(ETH, OrderSide.BUY, "LIMIT", D("0.1"), price=D("2500"),
                                client_order_id="someone-else")
    report = await manager.panic()
    assert report.flat, report.summary()
    assert set(report.symbols) == {BTC, ETH} and "someone-else" in report.cancelled
    assert await exchange.get_open_orders() == []
    assert [p for p in await exchange.get_positions() if p.quantity] == []
    assert manager.risk.state is TradingState.HALTED
    with pytest.raises(RiskDeniedError):
        await manager.place_market_order(BTC, OrderSide.BUY, D("0.001"))
    manager.risk.set_state("ACTIVE")
    assert (await manager.place_market_order(BTC, OrderSide.BUY, D("0.001"))).is_open is False


def test_limits_from_a_file_keep_exact_figures_and_refuse_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text('max_symbol_notional = 1000.1\nprice_band_percent = "2.5"\n'
                    'symbol_notional = { "btc/usdt" = 5000 }\nloss_action = "REDUCING"\n')
    limits = RiskLimits.from_file(path)
    assert limits.max_symbol_notional == D("1000.1") and limits.price_band_percent == D("2.5")
    assert limits.notional_cap("BTCUSDT") == D("5000") and limits.notional_cap("X") == D("1000.1")
    assert limits.loss_action is TradingState.REDUCING
    path.write_text("max_notional = 5\n")
    with pytest.raises(ValidationError, match="unknown limit"):
        RiskLimits.from_file(path)
    with pytest.raises(ValidationError):
        RiskLimits(max_leverage=-1)
    with pytest.raises(ValidationError):
        RiskLimits(loss_action="ACTIVE")
    with pytest.raises(ValidationError):
        RiskLimits(daily_loss_limit=D("-5"))

