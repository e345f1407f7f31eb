"""Orders found on the exchange that the manager does not track: its own prefix and the
exchange's liquidation / ADL orders are adopted, another manager's orders and unprefixed
ones are reported and left (unless the policy says otherwise), and the start's report
lists every order adopted during the start."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from execution.errors import ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderType, TimeInForce
from execution.orders.adoption import (
    AdoptPolicy,
    Origin,
    default_prefix,
    origin_of,
    resolve_policy,
)
from execution.orders.manager import OrderManager

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]
ManagerFactory = Callable[..., Awaitable[OrderManager]]

OWN = "om-" + "a1" * 16
FOREIGN = "bot2-" + "b2" * 15
BY_HAND = "placed_by_hand_42"


@pytest.mark.parametrize(
    ("client_order_id", "origin"),
    [
        (OWN, Origin.OWN),
        ("om-my-own-id", Origin.OWN),
        ("autoclose-1596107620040000020", Origin.EXCHANGE),
        ("adl_autoclose", Origin.EXCHANGE),
        (FOREIGN, Origin.FOREIGN),
        ("omx-" + "c3" * 16, Origin.FOREIGN),  # a longer prefix is not ours
        (BY_HAND, Origin.UNPREFIXED),
        ("web_aXb9Kz", Origin.UNPREFIXED),
    ],
)
def test_whose_an_order_is(client_order_id: str, origin: Origin) -> None:
    assert origin_of(client_order_id, "om") is origin


def test_the_policy_and_its_older_switch() -> None:
    assert resolve_policy(None, None) is AdoptPolicy.OWN
    assert resolve_policy(None, True) is AdoptPolicy.OWN
    assert resolve_policy(None, False) is AdoptPolicy.NONE
    assert resolve_policy("all", None) is AdoptPolicy.ALL
    assert resolve_policy(AdoptPolicy.UNPREFIXED, True) is AdoptPolicy.UNPREFIXED
    with pytest.raises(ValidationError):
        resolve_policy("everything", None)
    with pytest.raises(ValidationError):
        resolve_policy("all", False)


async def _rest(exchange: AsterDEXExchange, client_order_id: str, price: str) -> None:
    await exchange.create_order(
        BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"), price=D(price),
        time_in_force=TimeInForce.GTC, client_order_id=client_order_id,
    )


@pytest.mark.parametrize(
    ("options", "adopted", "foreign", "unknown"),
    [
        ({}, [OWN], [FOREIGN], [BY_HAND]),
        ({"adopt_unknown": True}, [OWN], [FOREIGN], [BY_HAND]),
        ({"adopt": "unprefixed"}, [OWN, BY_HAND], [FOREIGN], []),
        ({"adopt": "all"}, [OWN, FOREIGN, BY_HAND], [], []),
        ({"adopt_unknown": False}, [], [FOREIGN], [OWN, BY_HAND]),
    ],
)
async def test_start_adopts_by_origin_and_reports_every_order_it_met(
    exchange: AsterDEXExchange,
    manager_factory: ManagerFactory,
    options: dict[str, Any],
    adopted: list[str],
    foreign: list[str],
    unknown: list[str],
) -> None:
    for client_order_id, price in ((OWN, "48000"), (FOREIGN, "47000"), (BY_HAND, "46000")):
        await _rest(exchange, client_order_id, price)
    manager = await manager_factory(client_order_id_prefix="om", **options)
    report = manager.last_reconciliation
    assert report is not None
    assert sorted(report.adopted) == sorted(adopted)
    assert sorted(report.foreign) == sorted(foreign)
    assert sorted(report.unknown) == sorted(unknown)
    assert not report.is_clean
    assert f"{len(adopted)} adopted" in report.summary()
    assert sorted(m.client_order_id for m in manager.orders) == sorted(adopted)
    for client_order_id in adopted:
        managed = manager.get_order(client_order_id)
        assert managed is not None and managed.adopted and "adopted" in managed.tags


async def test_while_running_only_own_orders_are_adopted_from_the_stream(
    exchange: AsterDEXExchange, manager_factory: ManagerFactory, wait_for: Waiter
) -> None:
    manager = await manager_factory(client_order_id_prefix="om")
    await _rest(exchange, FOREIGN, "47000")
    await _rest(exchange, BY_HAND, "46000")
    await _rest(exchange, OWN, "48000")  # the stream keeps the order: it arrives last
    await wait_for(lambda: manager.get_order(OWN) is not None, 20)
    assert manager.get_order(FOREIGN) is None and manager.get_order(BY_HAND) is None
    await manager.poll_once()  # polling does not take them either
    assert [m.client_order_id for m in manager.orders] == [OWN]


async def test_a_clean_start_stays_clean(manager_factory: ManagerFactory) -> None:
    manager = await manager_factory(client_order_id_prefix="om")
    report = manager.last_reconciliation
    assert report is not None and report.is_clean and report.adopted == []


def test_the_default_prefix_follows_the_store_file(tmp_path: Path) -> None:
    """Two managers on one account with their own files never share a prefix (they would
    take each other's orders as their own); one file keeps its prefix across restarts."""
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    assert default_prefix(first) == default_prefix(tmp_path / "." / "a.sqlite")
    assert default_prefix(first) != default_prefix(second)
    assert default_prefix(None) != default_prefix(None)
    assert origin_of(f"{default_prefix(second)}-{'ab' * 16}", default_prefix(first)) is (
        Origin.FOREIGN
    )


@pytest.mark.parametrize("options", [
    {"client_order_id_prefix": "x" * 40},  # every client id would be the same 36 x's
    {"client_order_id_prefix": "bot"},  # fine alone, but see the next line
    {"client_order_id_prefix": "bot-1"},  # "bot"'s orders would take "bot-1-..." as own
    {"client_order_id_prefix": "bad prefix!"},
    {"pending_grace": float("nan")},  # the settling loop would die on int(nan)
    {"pending_grace": -5},  # every unknown outcome taken as never placed at once
    {"pending_grace": "60"},
    {"poll_interval": 0},
    {"poll_interval": float("inf")},
])
def test_settings_nobody_sane_gives_are_refused_at_construction(
    exchange: AsterDEXExchange, options: dict[str, Any]
) -> None:
    if options.get("client_order_id_prefix") == "bot":
        assert OrderManager(exchange, **options).client_order_id_prefix == "bot"
        return
    with pytest.raises(ValidationError):
        OrderManager(exchange, **options)
