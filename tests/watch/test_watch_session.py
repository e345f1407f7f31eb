"""The watch as the command builds it (`watch_session`): every order on the account
adopted (so another process's order shows and can be cancelled), marks from the market
stream, the view never acting on its own; and the command's help."""

from __future__ import annotations

from decimal import Decimal

from typer.testing import CliRunner

from execution.cli.main import app as cli_app
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus, OrderType
from execution.orders.adoption import AdoptPolicy
from execution.orders.marks import STREAM_MARK_MAX_AGE
from execution.simulator import SimulatedExchange
from execution.watch.app import WatchApp, show
from execution.watch.confirm import ConfirmScreen
from execution.watch.session import watch_session

from .conftest import until
from .test_watch_app import SIZE, rows

D = Decimal
BTC = "BTCUSDT"


async def test_another_processs_order_shows_and_is_cancelled_from_the_view(
    exchange: AsterDEXExchange, other: AsterDEXExchange, simulator: SimulatedExchange,
) -> None:
    async with watch_session(exchange) as feed:
        assert feed.manager.adopt_policy is AdoptPolicy.ALL and feed.marks is not None
        mark = simulator.mark_price(BTC)
        await other.create_order(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.010"),
                                 price=mark - 3000, client_order_id="bot-7")
        app = WatchApp(feed)
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: [r[0] for r in rows(app, "orders")] == ["bot-7"])
            await pilot.press("c")
            await until(lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await until(lambda: rows(app, "orders") == [])
        placed = await other.fetch_order(BTC, client_order_id="bot-7")
        assert placed.status is OrderStatus.CANCELED


async def test_positions_show_the_streamed_mark(
    exchange: AsterDEXExchange, other: AsterDEXExchange, simulator: SimulatedExchange,
) -> None:
    async with watch_session(exchange) as feed:
        assert feed.marks is not None
        await other.create_order(BTC, OrderSide.SELL, OrderType.MARKET, D("0.010"))
        app = WatchApp(feed)
        async with app.run_test(size=SIZE):
            await until(lambda: len(rows(app, "positions")) == 1)
            simulator.set_price(BTC, D("49321.5"))
            await until(lambda: feed.marks is not None
                        and feed.marks.mark(BTC, STREAM_MARK_MAX_AGE) == D("49321.5"))
            await until(lambda: rows(app, "positions")[0][4] == "49321.5")
            entry = D(rows(app, "positions")[0][3])
            assert D(rows(app, "positions")[0][5]) == (D("49321.5") - entry) * D("-0.010")
            assert show(D(rows(app, "positions")[0][2])) == "-0.01"


def test_the_watch_command_has_help() -> None:
    result = CliRunner().invoke(cli_app, ["watch", "--help"], prog_name="aster-exec")
    assert result.exit_code == 0
    assert "--audit-every" in result.stdout and "cancel" in result.stdout
