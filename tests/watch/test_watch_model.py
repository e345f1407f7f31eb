"""The watch view's data model alone (no widget): fills from an order's events, each trade
once, a snapshot's fill shown with an unknown fee until its trade arrives; the PnL; the
position rows with the streamed mark and the audit's verdict."""

from __future__ import annotations

from decimal import Decimal

from execution.models import (
    Order,
    OrderSide,
    OrderType,
    Position,
    PositionSide,
)
from execution.orders.managed import ManagedOrder
from execution.orders.protection import PositionProtection, ProtectionReport
from execution.orders.state import OrderAccepted, OrderFilled
from execution.watch.app import show
from execution.watch.model import WatchModel, fills_of

D = Decimal
BTC = "BTCUSDT"


def market_order(client_order_id: str = "w-1", quantity: str = "0.010") -> ManagedOrder:
    managed = ManagedOrder(Order(BTC, OrderSide.BUY, OrderType.MARKET, D(quantity),
                                 client_order_id))
    managed.apply(OrderAccepted(client_order_id, "77", 1_000))
    return managed


def trade(managed: ManagedOrder, trade_id: int, quantity: str, cumulative: str,
          fee: str = "0.25", pnl: str = "0") -> None:
    managed.apply(OrderFilled(managed.client_order_id, trade_id, D(quantity), D("50000"),
                              D(cumulative), 2_000 + trade_id, commission=D(fee),
                              commission_asset="USDT", realized_pnl=D(pnl)))


def snapshot_fill(managed: ManagedOrder, cumulative: str) -> None:
    managed.apply(OrderFilled(managed.client_order_id, 0, D(cumulative), D("50000"),
                              D(cumulative), 1_500, average_price=D("50000")))


def test_trades_are_rows_with_their_fees_each_once() -> None:
    managed = market_order()
    trade(managed, 1, "0.004", "0.004")
    trade(managed, 2, "0.006", "0.010", fee="0.30", pnl="1.5")
    model = WatchModel()
    assert model.record_fills(managed) == 2
    assert model.record_fills(managed) == 0  # seen already
    snap = model.snapshot([], [], None)
    assert [f.trade_id for f in snap.fills] == [2, 1]  # newest first
    assert snap.pnl.fees == {"USDT": D("0.55")} and snap.pnl.realized == D("1.5")
    assert snap.pnl.net == D("0.95") and snap.pnl.unknown_fills == 0


def test_a_snapshots_fill_is_unknown_until_its_trade_arrives() -> None:
    managed = market_order()
    snapshot_fill(managed, "0.010")  # the REST answer: filled, no fee
    model = WatchModel()
    model.record_fills(managed)
    (row,) = model.snapshot([], [], None).fills
    assert row.quantity == D("0.010") and row.fee is None and row.realized_pnl is None
    assert model.snapshot([], [], None).pnl.unknown_fills == 1
    trade(managed, 9, "0.010", "0.010")  # the stream's trade: no state change, no callback
    (row,) = model.snapshot([], [], None).fills  # read again all the same
    assert row.trade_id == 9 and row.fee == D("0.25")
    assert model.snapshot([], [], None).pnl.unknown_fills == 0
    assert len(fills_of(managed)) == 1


def test_the_fills_table_keeps_the_latest() -> None:
    model = WatchModel(max_fills=3)
    for n in range(5):
        managed = market_order(f"w-{n}")
        trade(managed, 10 + n, "0.010", "0.010")
        model.record_fills(managed)
    snap = model.snapshot([], [], None)
    assert [f.trade_id for f in snap.fills] == [14, 13, 12] and snap.pnl.fills == 5


def test_position_rows_use_the_live_mark_and_the_audits_verdict() -> None:
    long = Position(BTC, D("0.010"), D("50000"), mark_price=D("50100"), leverage=5,
                    unrealized_pnl=D("1"))
    eth = Position("ETHUSDT", D("-2"), D("3000"), unrealized_pnl=D("-4"))
    report = ProtectionReport(5_000, (
        PositionProtection(BTC, PositionSide.BOTH, D("0.010"), D("50100"), D("0.010"),
                           ("stop-1",)),
        PositionProtection("ETHUSDT", PositionSide.BOTH, D("-2"), D("3000"), D("0.5"), ()),
    ))
    marks = {BTC: D("50500")}
    snap = WatchModel().snapshot([long, eth], [], report, mark=marks.get)
    btc, ethusdt = sorted(snap.positions, key=lambda r: r.symbol)
    assert btc.mark_price == D("50500") and btc.unrealized_pnl == D("5.000")
    assert btc.protected is True and btc.verdict == "protected by stop-1"
    assert btc.side == "LONG" and btc.leverage == 5
    assert ethusdt.mark_price is None and ethusdt.unrealized_pnl == D("-4")  # the exchange's
    assert ethusdt.protected is False and ethusdt.verdict.startswith("UNPROTECTED (0.5 of 2")
    assert snap.pnl.unrealized == D("1.000") and snap.audited_at == 5_000
    unaudited = WatchModel().snapshot([long], [], None)
    assert unaudited.positions[0].verdict == "not audited"


def test_figures_show_as_plain_decimals() -> None:
    assert [show(D("0.0100")), show(D("1E+2")), show(D("0")), show(None)] == [
        "0.01", "100", "0", "?"]
