"""`aster-exec watch` driven through Textual's test driver (`App.run_test`, Pilot) against
the simulator: a fill appears in the fills table; selecting an order and pressing `c`, then
confirming, cancels it on the exchange; `f` and a confirmation flatten the position; a
declined confirmation sends nothing."""

from __future__ import annotations

from decimal import ROUND_UP, Decimal

from textual.widgets import DataTable

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import MarginType, OrderSide, OrderStatus, OrderType
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.watch.app import WatchApp
from execution.watch.confirm import ConfirmScreen
from execution.watch.feed import WatchFeed

from .conftest import until

D = Decimal
BTC = "BTCUSDT"
SIZE = (180, 60)


def table(app: WatchApp, table_id: str) -> DataTable[str]:
    return app.query_one(f"#{table_id}", DataTable)


def rows(app: WatchApp, table_id: str) -> list[list[str]]:
    t = table(app, table_id)
    return [[str(cell) for cell in t.get_row_at(i)] for i in range(t.row_count)]


def order_requests(sim: SimulatedExchange, method: str) -> int:
    return sum(1 for r in sim.request_log
               if r.method == method and r.path.rsplit("/", 1)[-1] in ("order", "allOpenOrders"))


async def test_a_fill_appears_in_the_fills_table(
    manager: OrderManager, other: AsterDEXExchange,
) -> None:
    app = WatchApp(WatchFeed(manager))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert rows(app, "fills") == []
        own = await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
        # another process's order reaches the view through the user stream
        await other.create_order(BTC, OrderSide.BUY, OrderType.MARKET, D("0.020"),
                                 client_order_id="elsewhere-1")
        await until(lambda: len(rows(app, "fills")) == 2)
        fills = rows(app, "fills")
        assert {row[-1] for row in fills} == {own.client_order_id, "elsewhere-1"}
        newest = fills[0]
        assert newest[1] == BTC and newest[2] == "BUY"
        assert newest[5].endswith("USDT") and D(newest[5].split()[0]) > 0  # the fee, known
        await until(lambda: any(r[0] == BTC for r in rows(app, "positions")))
        (position,) = rows(app, "positions")
        assert position[1] == "LONG" and D(position[2]) == D("0.030")
        await until(lambda: "UNPROTECTED" in rows(app, "positions")[0][-1])  # the audit's word


async def test_cancel_from_the_keyboard_reaches_the_exchange(
    manager: OrderManager, exchange: AsterDEXExchange, simulator: SimulatedExchange,
) -> None:
    mark = simulator.mark_price(BTC)
    low = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.010"), mark - 2000)
    high = await manager.place_limit_order(BTC, OrderSide.SELL, D("0.010"), mark + 2000)
    app = WatchApp(WatchFeed(manager))
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: len(rows(app, "orders")) == 2)
        ids = [row[0] for row in rows(app, "orders")]
        target = high if ids.index(high.client_order_id) else low
        keep = low if target is high else high
        orders = table(app, "orders")
        orders.focus()
        orders.move_cursor(row=0)
        for _ in range(ids.index(target.client_order_id)):
            await pilot.press("down")  # select the order
        assert app.selected_key("orders") == target.client_order_id
        await pilot.press("c")
        await until(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(lambda: target.status is OrderStatus.CANCELED)
        on_exchange = await exchange.fetch_order(BTC, client_order_id=target.client_order_id)
        assert on_exchange.status is OrderStatus.CANCELED
        still = await exchange.fetch_order(BTC, client_order_id=keep.client_order_id)
        assert still.status is OrderStatus.NEW
        await until(lambda: [r[0] for r in rows(app, "orders")] == [keep.client_order_id])


async def test_a_declined_confirmation_sends_nothing(
    manager: OrderManager, exchange: AsterDEXExchange, simulator: SimulatedExchange,
) -> None:
    mark = simulator.mark_price(BTC)
    resting = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.010"), mark - 2000)
    entry = await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    await until(lambda: entry.status is OrderStatus.FILLED)
    app = WatchApp(WatchFeed(manager))
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: len(rows(app, "orders")) == 1 and len(rows(app, "positions")) == 1)
        deletes, posts = order_requests(simulator, "DELETE"), order_requests(simulator, "POST")
        for key, answer in (("c", "n"), ("f", "n"), ("c", "escape"), ("f", "escape")):
            await pilot.press(key)
            await until(lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press(answer)
            await until(lambda: not isinstance(app.screen, ConfirmScreen))
        await pilot.pause(0.2)
        assert order_requests(simulator, "DELETE") == deletes
        assert order_requests(simulator, "POST") == posts
        assert (await exchange.fetch_order(
            BTC, client_order_id=resting.client_order_id)).status is OrderStatus.NEW
        assert [p.quantity for p in await exchange.get_positions(BTC)] == [D("0.010")]
        assert any("declined" in line for line in app.feed.snapshot().notices)


async def test_flatten_with_confirmation_closes_the_position(
    manager: OrderManager, exchange: AsterDEXExchange, simulator: SimulatedExchange,
) -> None:
    entry = await manager.place_market_order(BTC, OrderSide.SELL, D("0.020"))
    await until(lambda: entry.status is OrderStatus.FILLED)
    mark = simulator.mark_price(BTC)
    resting = await manager.place_limit_order(BTC, OrderSide.SELL, D("0.010"), mark + 2000)
    app = WatchApp(WatchFeed(manager))
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: [r[0] for r in rows(app, "positions")] == [BTC])
        assert rows(app, "positions")[0][1] == "SHORT"
        await pilot.press("f")
        await until(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(lambda: rows(app, "positions") == [])
        assert [p for p in await exchange.get_positions(BTC) if p.quantity] == []
        assert (await exchange.fetch_order(
            BTC, client_order_id=resting.client_order_id)).status is OrderStatus.CANCELED
        await until(lambda: len(rows(app, "fills")) == 2)  # the entry and the close


async def test_margin_calls_and_leverage_changes_show_as_notices(
    manager: OrderManager, exchange: AsterDEXExchange, simulator: SimulatedExchange,
) -> None:
    await exchange.set_margin_type(BTC, MarginType.ISOLATED)
    app = WatchApp(WatchFeed(manager))
    async with app.run_test(size=SIZE):
        await exchange.set_leverage(BTC, 20)
        await until(lambda: any("leverage now 20x" in n for n in app.feed.snapshot().notices))
        entry = await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
        await until(lambda: entry.status is OrderStatus.FILLED)
        (position,) = [p for p in await exchange.get_positions(BTC) if p.quantity]
        near = (position.liquidation_price * D("1.0004")).quantize(D("0.1"), rounding=ROUND_UP)
        simulator.set_price(BTC, near)
        await until(lambda: any("MARGIN CALL" in n for n in app.feed.snapshot().notices))
        await until(lambda: "MARGIN CALL" in str(app.query_one("#notices").render()))
