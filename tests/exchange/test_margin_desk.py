"""The account's modes and isolated margin against the simulator over loopback: typed
results, Decimal amounts, "no need to change" as a no-op, refusals as typed errors, and a
margin change never sent twice after a lost answer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.errors import InvalidOrderError, OrderStatusUnknownError, ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.margin_desk import MarginChangeKind, PositionMode, SettingChange
from execution.models import MarginType, OrderSide, OrderType, PositionSide
from execution.simulator import SimulatedExchange

SYMBOL = "BTCUSDT"
MARK = Decimal("50000")


def posts(sim: SimulatedExchange, name: str) -> list[dict[str, str]]:
    return [r.params for r in sim.request_log if r.method == "POST" and r.path.endswith(name)]


async def test_position_mode_read_set_and_set_again_is_a_no_op(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    margin = exchange.margin
    assert await margin.position_mode() is PositionMode.ONE_WAY
    assert await margin.set_position_mode(PositionMode.HEDGE) == SettingChange(
        "position mode", "hedge", True)
    assert await margin.position_mode() is PositionMode.HEDGE
    again = await margin.set_position_mode("hedge")  # -4059 from the venue: already so
    assert again.changed is False
    assert (await margin.set_position_mode("ONE_WAY")).changed is True
    assert await margin.position_mode() is PositionMode.ONE_WAY


@pytest.mark.parametrize("auth", ["hmac"])
async def test_position_mode_refused_with_a_position_is_a_typed_error(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    simulator.set_price(SYMBOL, MARK)
    await exchange.create_order(SYMBOL, OrderSide.BUY, OrderType.MARKET, Decimal("0.001"))
    with pytest.raises(InvalidOrderError) as caught:
        await exchange.margin.set_position_mode(PositionMode.HEDGE)
    assert caught.value.code == -4068


@pytest.mark.parametrize("auth", ["hmac"])
async def test_a_bad_mode_is_refused_before_sending(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    with pytest.raises(ValidationError):
        await exchange.margin.set_position_mode("dual")
    with pytest.raises(ValidationError):
        await exchange.margin.set_multi_assets("yes")  # type: ignore[arg-type]
    assert posts(simulator, "positionSide/dual") == posts(simulator, "multiAssetsMargin") == []


async def test_multi_assets_mode_read_and_set_only_when_it_differs(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    margin = exchange.margin
    assert await margin.multi_assets() is False
    assert (await margin.set_multi_assets(False)).changed is False
    assert posts(simulator, "multiAssetsMargin") == []
    assert (await margin.set_multi_assets(True)).changed is True
    assert await margin.multi_assets() is True
    assert (await margin.set_multi_assets(False)).value == "single-asset"


async def test_margin_type_read_and_set_with_no_op_when_already_so(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    margin = exchange.margin
    assert await margin.margin_type(SYMBOL) is MarginType.CROSSED
    assert (await margin.set_margin_type(SYMBOL, MarginType.ISOLATED)).changed is True
    assert await margin.margin_type("BTC/USDT") is MarginType.ISOLATED
    assert (await margin.set_margin_type(SYMBOL, "ISOLATED")).changed is False  # -4046
    await exchange.set_margin_type(SYMBOL, MarginType.ISOLATED)  # the facade: no error


async def _isolated_long(exchange: AsterDEXExchange, simulator: SimulatedExchange) -> None:
    simulator.set_price(SYMBOL, MARK)
    await exchange.margin.set_margin_type(SYMBOL, MarginType.ISOLATED)
    await exchange.create_order(SYMBOL, OrderSide.BUY, OrderType.MARKET, Decimal("0.01"))


async def test_isolated_margin_added_reduced_and_in_the_history(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    await _isolated_long(exchange, simulator)
    margin = exchange.margin
    added = await margin.adjust(SYMBOL, MarginChangeKind.ADD, Decimal("12.5"))
    assert (added.kind, added.amount) == (MarginChangeKind.ADD, Decimal("12.5"))
    reduced = await margin.adjust(SYMBOL, "REDUCE", "2.25")
    assert reduced.amount == Decimal("2.25") and isinstance(reduced.amount, Decimal)
    history = await margin.history(SYMBOL)
    assert [(h.kind, h.amount, h.position_side) for h in history] == [
        (MarginChangeKind.ADD, Decimal("12.5"), PositionSide.BOTH),
        (MarginChangeKind.REDUCE, Decimal("2.25"), PositionSide.BOTH),
    ]
    assert [h.kind for h in await margin.history(SYMBOL, kind=MarginChangeKind.ADD)] == [
        MarginChangeKind.ADD]


@pytest.mark.parametrize("auth", ["hmac"])
async def test_isolated_margin_refusals(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    margin = exchange.margin
    for amount in ("0", "-1", "abc"):
        with pytest.raises(ValidationError):
            await margin.adjust(SYMBOL, MarginChangeKind.ADD, amount)
    assert posts(simulator, "positionMargin") == []
    with pytest.raises(InvalidOrderError) as caught:  # crossed: -4049 from the venue
        await margin.adjust(SYMBOL, MarginChangeKind.ADD, "10")
    assert caught.value.code == -4049
    await _isolated_long(exchange, simulator)
    with pytest.raises(InvalidOrderError) as too_much:  # more than the position may give
        await margin.adjust(SYMBOL, MarginChangeKind.REDUCE, "100000")
    assert too_much.value.code == -4051


@pytest.mark.parametrize("auth", ["hmac"])
@pytest.mark.parametrize("executed", [True, False], ids=["executed", "not-executed"])
async def test_a_lost_margin_change_is_found_in_the_history_never_sent_twice(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, executed: bool
) -> None:
    await _isolated_long(exchange, simulator)
    simulator.faults.fail_requests(count=1, status=503, code=-1007, execute=executed,
                                   path="positionMargin", method="POST")
    if executed:
        found = await exchange.margin.adjust(SYMBOL, MarginChangeKind.ADD, "7")
        assert found.amount == Decimal("7") and found.time > 0
    else:
        with pytest.raises(OrderStatusUnknownError, match="not sent again"):
            await exchange.margin.adjust(SYMBOL, MarginChangeKind.ADD, "7")
    assert len(posts(simulator, "positionMargin")) == 1
    assert len(await exchange.margin.history(SYMBOL)) == (1 if executed else 0)
