"""Every documented order parameter through `OrderIntent` and the order manager, against
the simulator: checked before anything is sent or recorded (a typed error naming the
field, the value and the rule), rounded in the one place with a notice, sent as the docs
say, and kept in the store through a restart and a replacement."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal as D
from pathlib import Path

import pytest
import pytest_asyncio

from execution.errors import ExchangeError, ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderStatus, OrderType, PositionSide
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for

BTC = "BTCUSDT"
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def client(simulator: SimulatedExchange, auth: str = "eip712") -> AsterDEXExchange:
    return AsterDEXExchange(credentials_for(simulator, auth), rest_urls=simulator.rest_urls,
                            ws_url=simulator.ws_url, dotenv_path=None)


@pytest_asyncio.fixture
async def v3(simulator: SimulatedExchange) -> AsyncIterator[AsterDEXExchange]:
    simulator.set_price(BTC, D("50000"))
    async with client(simulator) as exchange:
        yield exchange


@pytest_asyncio.fixture
async def manager(v3: AsterDEXExchange, tmp_path: Path) -> AsyncIterator[OrderManager]:
    async with OrderManager(v3, tmp_path / "orders.sqlite") as started:
        yield started


def orders_sent(sim: SimulatedExchange) -> list[dict[str, str]]:
    return [r.params for r in sim.request_log if r.method == "POST" and r.path.endswith("/order")]


async def refused(
    manager: OrderManager, sim: SimulatedExchange, intent: OrderIntent, field: str
) -> ValidationError:
    """`intent` is refused naming `field`, with nothing sent and nothing recorded."""
    sent, known = len(orders_sent(sim)), len(manager.orders)
    with pytest.raises(ValidationError) as caught:
        await manager.place_order(intent)
    assert caught.value.field == field, caught.value
    assert len(orders_sent(sim)) == sent and len(manager.orders) == known
    return caught.value


async def test_a_trailing_stop_is_sent_rounded_and_kept_through_a_restart(
    v3: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    store = tmp_path / "orders.sqlite"
    async with OrderManager(v3, store) as manager:
        placed = await manager.place_order(OrderIntent(
            BTC, SELL, OrderType.TRAILING_STOP_MARKET, D("0.01"), callback_rate="1.5",
            activation_price="51000.04", working_type="MARK_PRICE"))
        assert placed.status is OrderStatus.NEW
        wire = orders_sent(simulator)[-1]
        assert wire["type"] == "TRAILING_STOP_MARKET" and wire["callbackRate"] == "1.5"
        assert wire["activationPrice"] == "51000.1"  # a SELL rounds up: never worse
        assert wire["workingType"] == "MARK_PRICE"
        assert [n.field for n in placed.rounded] == ["activation_price"]
        cid = placed.client_order_id
    async with OrderManager(v3, store) as restarted:
        again = restarted.get_order(cid)
        assert again is not None and again.is_open
        assert again.attributes["callback_rate"] == "1.5"
        assert again.attributes["activation_price"] == "51000.1"


@pytest.mark.parametrize(("extra", "field"), [
    ({"callback_rate": "0.05"}, "callback_rate"),  # the docs: min 0.1
    ({"callback_rate": "5.1"}, "callback_rate"),  # max 5
    ({}, "callback_rate"),  # required
    ({"callback_rate": "1", "activation_price": "49000"}, "activation_price"),  # SELL: above
    ({"callback_rate": "1", "stop_price": "49000"}, "stop_price"),
])
async def test_a_trailing_stop_out_of_the_docs_rules_is_refused_before_sending(
    manager: OrderManager, simulator: SimulatedExchange, extra: dict[str, str], field: str,
) -> None:
    await refused(manager, simulator, OrderIntent(
        BTC, SELL, OrderType.TRAILING_STOP_MARKET, D("0.01"), **extra), field)  # type: ignore[arg-type]


async def test_callback_rate_on_another_type_is_refused(
    manager: OrderManager, simulator: SimulatedExchange,
) -> None:
    await refused(manager, simulator, OrderIntent(
        BTC, BUY, OrderType.LIMIT, D("0.01"), price="45000", callback_rate="1"), "callback_rate")


async def test_working_type_and_price_protect_on_stops_only(
    manager: OrderManager, simulator: SimulatedExchange,
) -> None:
    for working in ("MARK_PRICE", "CONTRACT_PRICE"):
        await manager.place_order(OrderIntent(
            BTC, SELL, OrderType.STOP_LOSS, D("0.01"), stop_price="48000", reduce_only=False,
            working_type=working, price_protect=True))
        wire = orders_sent(simulator)[-1]
        assert wire["workingType"] == working and wire["priceProtect"] == "TRUE"
    await refused(manager, simulator, OrderIntent(
        BTC, BUY, OrderType.LIMIT, D("0.01"), price="45000", price_protect=True),
        "price_protect")
    await refused(manager, simulator, OrderIntent(
        BTC, BUY, OrderType.LIMIT, D("0.01"), price="45000", working_type="MARK_PRICE"),
        "working_type")
    await refused(manager, simulator, OrderIntent(
        BTC, SELL, OrderType.TRAILING_STOP_MARKET, D("0.01"), callback_rate="1",
        price_protect=True), "price_protect")


async def test_stop_limit_and_take_profit_limit_carry_price_and_stop_price(
    manager: OrderManager, simulator: SimulatedExchange,
) -> None:
    stop = await manager.place_order(OrderIntent(
        BTC, SELL, OrderType.STOP_LOSS_LIMIT, D("0.01"), price="47900", stop_price="48000",
        time_in_force="GTC"))
    wire = orders_sent(simulator)[-1]
    assert (wire["type"], wire["price"], wire["stopPrice"]) == ("STOP", "47900", "48000")
    take = await manager.place_order(OrderIntent(
        BTC, SELL, OrderType.TAKE_PROFIT_LIMIT, D("0.01"), price="52100", stop_price="52000"))
    wire = orders_sent(simulator)[-1]
    assert (wire["type"], wire["price"], wire["stopPrice"]) == ("TAKE_PROFIT", "52100", "52000")
    assert stop.status is take.status is OrderStatus.NEW
    await refused(manager, simulator, OrderIntent(
        BTC, SELL, OrderType.STOP_LOSS_LIMIT, D("0.01"), stop_price="48000"), "price")


async def test_a_close_position_stop_has_no_quantity_and_closes_the_whole_position(
    manager: OrderManager, simulator: SimulatedExchange, v3: AsterDEXExchange,
) -> None:
    await manager.place_market_order(BTC, BUY, D("0.02"))
    stop = await manager.place_order(OrderIntent(
        BTC, SELL, OrderType.STOP_LOSS, D(0), stop_price="48000", close_position=True))
    wire = orders_sent(simulator)[-1]
    assert wire["closePosition"] == "true" and "quantity" not in wire
    assert "reduceOnly" not in wire and stop.order.close_position
    assert stop.attributes["close_position"] == "true"
    simulator.set_price(BTC, D("47000"))  # triggers: the whole long is closed
    for _ in range(200):
        if not await v3.get_positions(BTC):
            break
        simulator.step()
    assert await v3.get_positions(BTC) == []
    await refused(manager, simulator, OrderIntent(
        BTC, SELL, OrderType.STOP_LOSS, D(0), stop_price="46000", close_position=True,
        reduce_only=True), "reduce_only")
    await refused(manager, simulator, OrderIntent(
        BTC, SELL, OrderType.STOP_LOSS, D("0.01"), stop_price="46000", close_position=True),
        "quantity")
    await refused(manager, simulator, OrderIntent(
        BTC, SELL, OrderType.MARKET, D(0), close_position=True), "close_position")


async def test_close_position_in_hedge_mode_only_on_the_closing_side(
    manager: OrderManager, simulator: SimulatedExchange, v3: AsterDEXExchange,
) -> None:
    await v3.margin.set_position_mode("hedge")
    await refused(manager, simulator, OrderIntent(
        BTC, BUY, OrderType.STOP_LOSS, D(0), stop_price="52000", close_position=True,
        position_side=PositionSide.LONG), "close_position")
    await manager.place_order(OrderIntent(
        BTC, BUY, OrderType.MARKET, D("0.01"), position_side=PositionSide.LONG))
    stop = await manager.place_order(OrderIntent(
        BTC, SELL, OrderType.STOP_LOSS, D(0), stop_price="48000", close_position=True,
        position_side=PositionSide.LONG))
    assert stop.status is OrderStatus.NEW
    assert orders_sent(simulator)[-1]["positionSide"] == "LONG"


async def test_hidden_and_stp_mode_are_sent_and_kept_by_a_replacement(
    v3: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    store = tmp_path / "orders.sqlite"
    async with OrderManager(v3, store) as manager:
        hidden = await manager.place_order(OrderIntent(
            BTC, BUY, OrderType.LIMIT, D("0.01"), price="45000", time_in_force="HIDDEN",
            stp_mode="EXPIRE_BOTH"))
        wire = orders_sent(simulator)[-1]
        assert wire["timeInForce"] == "HIDDEN" and wire["stpMode"] == "EXPIRE_BOTH"
        stop = await manager.place_order(OrderIntent(
            BTC, SELL, OrderType.STOP_LOSS, D("0.01"), stop_price="48000", price_protect=True,
            stp_mode="EXPIRE_MAKER", working_type="MARK_PRICE"))
        await refused(manager, simulator, OrderIntent(
            BTC, BUY, OrderType.MARKET, D("0.01"), time_in_force="HIDDEN"), "time_in_force")
        cids = hidden.client_order_id, stop.client_order_id
    async with OrderManager(v3, store) as restarted:  # a restart, then cancel-and-replace
        moved = await restarted.modify_order(cids[1], new_price=D("47000"))
        assert moved.client_order_id != cids[1]
        wire = orders_sent(simulator)[-1]
        assert (wire["stopPrice"], wire["priceProtect"], wire["stpMode"],
                wire["workingType"]) == ("47000", "TRUE", "EXPIRE_MAKER", "MARK_PRICE")
        kept = restarted.get_order(cids[0])
        assert kept is not None and kept.attributes["stp_mode"] == "EXPIRE_BOTH"


async def test_v3_parameters_are_refused_on_v1_credentials_before_sending(
    simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    simulator.set_price(BTC, D("50000"))
    async with client(simulator, "hmac") as v1, OrderManager(v1, tmp_path / "o.sqlite") as m:
        for extra, field in (({"stp_mode": "EXPIRE_TAKER"}, "stp_mode"),
                             ({"time_in_force": "HIDDEN"}, "time_in_force")):
            sent = len(orders_sent(simulator))
            with pytest.raises(ValidationError) as caught:
                await m.place_order(OrderIntent(BTC, BUY, OrderType.LIMIT, D("0.01"),
                                                price="45000", **extra))  # type: ignore[arg-type]
            assert caught.value.field == field and len(orders_sent(simulator)) == sent
            assert m.orders == []  # nothing recorded either


async def test_a_bbo_peg_is_sent_without_a_price_and_priced_by_the_venue(
    manager: OrderManager, simulator: SimulatedExchange,
) -> None:
    pegged = await manager.place_order(OrderIntent(
        BTC, BUY, OrderType.LIMIT, D("0.01"), time_in_force="GTX", peg_price_type="QUEUE_1",
        peg_offset="-0.15"))
    wire = orders_sent(simulator)[-1]
    assert "price" not in wire and wire["pegPriceType"] == "QUEUE_1"
    assert wire["pegOffset"] == "-0.2"  # a BUY's offset rounds down: never a worse price
    assert [n.field for n in pegged.rounded] == ["peg_offset"]
    assert pegged.status is OrderStatus.NEW and pegged.order.price == D("49999.7")
    assert pegged.attributes["peg_price_type"] == "QUEUE_1"
    for extra, field in (
        ({"peg_offset": "0.5"}, "peg_offset"),  # a BUY's offset is <= 0
        ({"price": "49000"}, "price"),  # the book sets the price
    ):
        await refused(manager, simulator, OrderIntent(
            BTC, BUY, OrderType.LIMIT, D("0.01"), time_in_force="GTC",
            peg_price_type="QUEUE_1", **extra), field)  # type: ignore[arg-type]
    await refused(manager, simulator, OrderIntent(
        BTC, BUY, OrderType.LIMIT, D("0.01"), price="45000", peg_offset="-1"), "peg_offset")
    await refused(manager, simulator, OrderIntent(
        BTC, BUY, OrderType.STOP_LOSS, D("0.01"), stop_price="52000",
        peg_price_type="QUEUE_1"), "peg_price_type")
    await refused(manager, simulator, OrderIntent(
        BTC, BUY, OrderType.LIMIT, D("0.01"), time_in_force="GTX",
        peg_price_type="COUNTERPARTY_1"), "peg_price_type")  # post-only at the ask: takes


async def test_post_only_is_re_priced_under_a_new_id_only_after_a_proven_rejection(
    manager: OrderManager, simulator: SimulatedExchange,
) -> None:
    crossing = OrderIntent(BTC, BUY, OrderType.LIMIT, D("0.01"), price="50010",
                           time_in_force="GTX")
    with pytest.raises(ExchangeError) as caught:  # no re-price: the refusal is raised
        await manager.place_order(crossing)
    assert caught.value.code == -5022
    before = len(orders_sent(simulator))
    placed = await manager.place_order(crossing, client_order_id="po-first", reprices=2)
    tries = orders_sent(simulator)[before:]
    assert [t["newClientOrderId"] == "po-first" for t in tries] == [True, False]
    assert tries[0]["price"] == "50010" and tries[1]["price"] == "49999.9"  # the best bid
    first = manager.get_order("po-first")
    assert first is not None and first.status is OrderStatus.REJECTED  # proven, then new
    assert placed.status is OrderStatus.NEW and placed.order.price == D("49999.9")
    with pytest.raises(ValidationError) as refusal:
        await manager.place_order(OrderIntent(BTC, BUY, OrderType.LIMIT, D("0.01"),
                                              price="45000"), reprices=1)
    assert refusal.value.field == "reprices"


async def test_a_native_modify_checks_a_hedge_leg_not_the_net_position(
    manager: OrderManager, simulator: SimulatedExchange, v3: AsterDEXExchange,
) -> None:
    """A reduce-only limit closing the LONG leg (0.02) while SHORT holds 0.01: modified in
    place, its reduce-only check is against its leg, not the net 0.01."""
    await v3.margin.set_position_mode("hedge")
    for side, leg, quantity in ((BUY, PositionSide.LONG, "0.02"),
                                (SELL, PositionSide.SHORT, "0.01")):
        await manager.place_order(OrderIntent(BTC, side, OrderType.MARKET, D(quantity),
                                              position_side=leg))
    closing = await manager.place_order(OrderIntent(
        BTC, SELL, OrderType.LIMIT, D("0.02"), price="51000", reduce_only=True,
        position_side=PositionSide.LONG, stp_mode="EXPIRE_TAKER"))
    moved = await manager.modify_order(closing.client_order_id, new_price=D("51500"))
    assert moved.client_order_id == closing.client_order_id  # in place: the same ids
    assert moved.order.price == D("51500")
    assert any(r.method == "PUT" for r in simulator.request_log if r.path.endswith("/order"))


async def test_a_close_position_stop_is_moved_by_cancel_and_replace_after_a_restart(
    v3: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    store = tmp_path / "orders.sqlite"
    async with OrderManager(v3, store) as manager:
        await manager.place_market_order(BTC, BUY, D("0.01"))
        stop = await manager.place_order(OrderIntent(
            BTC, SELL, OrderType.STOP_LOSS, D(0), stop_price="48000", close_position=True,
            working_type="MARK_PRICE"))
    async with OrderManager(v3, store) as restarted:
        moved = await restarted.modify_order(stop.client_order_id, new_price=D("48500"))
        assert moved.client_order_id != stop.client_order_id and moved.is_open
        wire = orders_sent(simulator)[-1]
        assert (wire["stopPrice"], wire["closePosition"], wire["workingType"]) == (
            "48500", "true", "MARK_PRICE")
        assert "quantity" not in wire
        with pytest.raises(ValidationError) as caught:
            await restarted.modify_order(moved.client_order_id, new_quantity=D("0.01"))
        assert caught.value.field == "new_quantity"


async def test_a_post_only_whose_outcome_is_unknown_is_never_re_priced(
    simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    """Only a proven refusal (-5022) makes a new try: an unknown outcome (v1: no proof it
    cannot execute) is raised and the first order stays tracked by its client id; no
    second one is sent."""
    simulator.set_price(BTC, D("50000"))
    simulator.faults.fail_requests(count=1, status=503, code=-1007, execute=False,
                                   path="order", method="POST")
    async with client(simulator, "hmac") as v1, OrderManager(v1, tmp_path / "o.sqlite") as m:
        before = len(orders_sent(simulator))
        with pytest.raises(ExchangeError):
            await m.place_order(OrderIntent(BTC, BUY, OrderType.LIMIT, D("0.01"),
                                            price="50010", time_in_force="GTX"),
                                client_order_id="po-unknown", reprices=3)
        sent = {t["newClientOrderId"] for t in orders_sent(simulator)[before:]}
        assert sent == {"po-unknown"}
        first = m.get_order("po-unknown")
        assert first is not None and first.status is OrderStatus.PENDING_NEW
