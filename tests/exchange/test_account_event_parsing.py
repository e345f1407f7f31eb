"""MARGIN_CALL and ACCOUNT_CONFIG_UPDATE read from the docs' own payloads into typed
events, every figure a Decimal; a malformed one is a `MalformedResponseError`; a liquidation
order's NEW_INSURANCE / NEW_ADL status reads as a new order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.exchange.parsing import (
    MalformedResponseError,
    parse_account_config_update,
    parse_margin_call,
    parse_order_update,
)
from execution.models import MarginType, OrderStatus, PositionSide

DOCS_MARGIN_CALL = {
    "e": "MARGIN_CALL", "E": 1587727187525, "cw": "3.16812045",
    "p": [{"s": "ETHUSDT", "ps": "LONG", "pa": "1.327", "mt": "CROSSED", "iw": "0",
           "mp": "187.17127", "up": "-1.166074", "mm": "1.614445"}],
}


def test_the_docs_margin_call() -> None:
    call = parse_margin_call(DOCS_MARGIN_CALL)
    assert call.event_time == 1587727187525
    assert call.cross_wallet_balance == Decimal("3.16812045")
    (held,) = call.positions
    assert (held.symbol, held.position_side, held.margin_type) == (
        "ETHUSDT", PositionSide.LONG, MarginType.CROSSED)
    assert held.quantity == Decimal("1.327") and held.mark_price == Decimal("187.17127")
    assert held.unrealized_pnl == Decimal("-1.166074")
    assert held.maintenance_margin == Decimal("1.614445")
    assert all(isinstance(v, Decimal) for v in (held.quantity, held.isolated_wallet))


def test_an_isolated_margin_call_has_no_cross_wallet() -> None:
    event = {**DOCS_MARGIN_CALL, "p": [{**DOCS_MARGIN_CALL["p"][0], "mt": "ISOLATED"}]}
    del event["cw"]
    call = parse_margin_call(event)
    assert call.cross_wallet_balance is None
    assert call.positions[0].margin_type is MarginType.ISOLATED


@pytest.mark.parametrize("broken", [
    {"e": "MARGIN_CALL", "E": 1},  # no positions
    {**DOCS_MARGIN_CALL, "p": [{"s": "ETHUSDT", "pa": "1", "mp": "x", "mm": "1"}]},
    {**DOCS_MARGIN_CALL, "p": [{"s": "ETHUSDT", "pa": "1", "mp": "2"}]},  # no mm
])
def test_a_malformed_margin_call_is_refused(broken: dict) -> None:
    with pytest.raises(MalformedResponseError):
        parse_margin_call(broken)


def test_the_docs_leverage_update() -> None:
    update = parse_account_config_update({
        "e": "ACCOUNT_CONFIG_UPDATE", "E": 1611646737479, "T": 1611646737476,
        "ac": {"s": "BTCUSDT", "l": 25}})
    assert (update.symbol, update.leverage) == ("BTCUSDT", 25)
    assert (update.event_time, update.transaction_time) == (1611646737479, 1611646737476)
    assert update.multi_assets is None and update.dual_side is None


def test_the_docs_account_configuration_update() -> None:
    update = parse_account_config_update({
        "e": "ACCOUNT_CONFIG_UPDATE", "E": 1611646737479, "T": 1611646737476,
        "ai": {"j": True, "f": True, "d": False}})
    assert (update.multi_assets, update.fee_deduction, update.dual_side) == (True, True, False)
    assert update.symbol is None and update.leverage is None


@pytest.mark.parametrize("broken", [
    {"e": "ACCOUNT_CONFIG_UPDATE", "E": 1, "T": 1},  # neither ac nor ai
    {"e": "ACCOUNT_CONFIG_UPDATE", "E": 1, "ac": {"s": "BTCUSDT", "l": 0}},
    {"e": "ACCOUNT_CONFIG_UPDATE", "E": 1, "ac": {"s": "BTCUSDT", "l": "x"}},
    {"e": "ACCOUNT_CONFIG_UPDATE", "E": 1, "ac": {"l": 5}},
    {"e": "ACCOUNT_CONFIG_UPDATE", "E": 1, "ai": {"j": "maybe"}},
])
def test_a_malformed_config_update_is_refused(broken: dict) -> None:
    with pytest.raises(MalformedResponseError):
        parse_account_config_update(broken)


@pytest.mark.parametrize("status", ["NEW_INSURANCE", "NEW_ADL"])
def test_a_liquidation_orders_first_status_is_new(status: str) -> None:
    update = parse_order_update({"e": "ORDER_TRADE_UPDATE", "E": 1, "T": 1, "o": {
        "s": "BTCUSDT", "c": "adl_autoclose", "S": "SELL", "o": "LIMIT", "q": "1",
        "p": "100", "x": "NEW", "X": status, "i": 5, "z": "0"}})
    assert update.order.status is OrderStatus.NEW
