"""Chase orders (v3 `POST /fapi/v3/chase`) against the simulator: checked by the docs'
rules before anything is sent, the offset rounded to the tick, the venue's peg resting at
the best bid minus the offset; v1 refused; an answer that says nothing never re-sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal as D

import pytest
import pytest_asyncio

from execution.errors import OrderStatusUnknownError, ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.chase_orders import ChaseRequest, chase_orders_of
from execution.models import OrderSide, TimeInForce
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for

BTC = "BTCUSDT"


@pytest_asyncio.fixture
async def v3(simulator: SimulatedExchange) -> AsyncIterator[AsterDEXExchange]:
    simulator.set_price(BTC, D("50000"))  # bid 49999.9, ask 50000.1
    async with AsterDEXExchange(credentials_for(simulator, "eip712"),
                                rest_urls=simulator.rest_urls, ws_url=simulator.ws_url,
                                dotenv_path=None) as client:
        yield client


def chase_posts(sim: SimulatedExchange) -> list[dict[str, str]]:
    return [r.params for r in sim.request_log if r.path.endswith("/chase")]


async def test_a_chase_rests_at_the_best_bid_minus_its_rounded_offset(
    v3: AsterDEXExchange, simulator: SimulatedExchange,
) -> None:
    chase = await chase_orders_of(v3).place(ChaseRequest(
        BTC, OrderSide.BUY, D("0.01"), chase_offset=D("0.15"), max_chase_offset=D("10.04"),
        client_strategy_id="my_chase_1"))
    sent = chase_posts(simulator)[-1]
    assert sent["chaseOffset"] == "0.2"  # rounded up: never pegged nearer than asked
    assert sent["maxChaseOffset"] == "10" and sent["timeInForce"] == "GTX"
    assert chase.client_strategy_id == "my_chase_1" and chase.status == "NEW"
    resting = await v3.get_open_orders(BTC)
    assert [(o.price, o.time_in_force) for o in resting] == [(D("49999.7"), TimeInForce.GTX)]


@pytest.mark.parametrize(("changes", "field"), [
    ({"chase_offset": D("-1")}, "chase_offset"),
    ({"quantity_unit": "LOTS"}, "quantity_unit"),
    ({"max_chase_offset": D("1.005"), "max_chase_offset_type": "PERCENTAGE"},
     "max_chase_offset"),
    ({"max_chase_offset": D("1"), "max_chase_offset_type": "TICKS"}, "max_chase_offset_type"),
    ({"time_in_force": TimeInForce.IOC}, "time_in_force"),
    ({"client_strategy_id": "c" * 29}, "client_strategy_id"),
    ({"quantity": D("0.0001")}, "quantity"),
])
async def test_a_chase_out_of_the_docs_rules_is_refused_before_sending(
    v3: AsterDEXExchange, simulator: SimulatedExchange, changes: dict[str, object], field: str,
) -> None:
    request = ChaseRequest(BTC, OrderSide.SELL, D("0.01"))
    with pytest.raises(ValidationError) as caught:
        await chase_orders_of(v3).place(ChaseRequest(**{  # type: ignore[arg-type]
            name: changes.get(name, getattr(request, name)) for name in request.__slots__}))
    assert caught.value.field == field and chase_posts(simulator) == []


async def test_v1_credentials_have_no_chase(simulator: SimulatedExchange) -> None:
    simulator.set_price(BTC, D("50000"))
    async with AsterDEXExchange(credentials_for(simulator, "hmac"), rest_urls=simulator.rest_urls,
                                ws_url=simulator.ws_url, dotenv_path=None) as v1:
        with pytest.raises(ValidationError):
            await chase_orders_of(v1).place(ChaseRequest(BTC, OrderSide.BUY, D("0.01")))
    assert chase_posts(simulator) == []


async def test_a_chase_whose_answer_says_nothing_is_never_sent_again(
    v3: AsterDEXExchange, simulator: SimulatedExchange,
) -> None:
    simulator.faults.fail_requests(count=1, status=503, code=-1007, execute=True,
                                   path="chase", method="POST")
    with pytest.raises(OrderStatusUnknownError):
        await chase_orders_of(v3).place(ChaseRequest(BTC, OrderSide.BUY, D("0.01")))
    assert len(chase_posts(simulator)) == 1
    assert len(await v3.get_open_orders(BTC)) == 1  # it did go through, once
