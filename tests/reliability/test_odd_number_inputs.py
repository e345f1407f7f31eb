"""Odd number strings and enum spellings never become orders (issue 11, finding 6).

`Decimal()` takes "0_01" (= 1), Arabic-Indic "٣" (= 3), fullwidth "１２" (= 12), unicode
spaces and "NaN"; every entry point (money.to_decimal, the order manager, the exchange
client, the CLI) now takes plain ASCII decimal notation only, and enum arguments as the
member or its exact name. A refusal is a `ValidationError` naming the field (exit code 2 in
the CLI), and nothing reaches the simulator's request log or the manager's registry.
"""

from __future__ import annotations

import sys
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from execution.errors import ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.order_request import build_order_request
from execution.models import OrderSide, OrderType, TimeInForce
from execution.money import to_decimal
from execution.orders.manager import OrderManager
from execution.rules import SymbolRules
from execution.simulator import SimulatedExchange

BTC = "BTCUSDT"

# One "3" and one "1" of every script unicode has decimal digits for (category Nd), ASCII
# excepted: Arabic-Indic, Devanagari, Bengali, ..., fullwidth, mathematical bold...
NON_ASCII_DIGITS = [
    chr(c) for c in range(0x80, sys.maxunicode + 1)
    if unicodedata.category(chr(c)) == "Nd"
]
THREES = [d for d in NON_ASCII_DIGITS if unicodedata.digit(d) == 3]
ODD_STRINGS = [
    "0_01", "1_000", "٣", "१२", "１２", "０.０１", "²", "¹0", "½", "1e400", "-1e400", "1E+999",
    "NaN", "nan", "sNaN", "inf", "Infinity", "-inf", "", " ", "1 0", "0. 1", "1,5", "1٫5",
    "\u00a01", "1\u2003", "\u30001", "0x10", "1e", "e1", ".", "+", "--1", "1..2", "1e1.5",
    "١e1", "1e١", "0.0\u0661", "𝟏", "٣٣", "12\u200b",
] + [f"0.0{d}" for d in THREES] + THREES


def odd_strings() -> st.SearchStrategy[str]:
    """Strings that look numeric to `Decimal()` (or to a reader) but are not ASCII decimal."""
    digit = st.sampled_from(NON_ASCII_DIGITS)
    ascii_digits = st.text("0123456789", min_size=1, max_size=4)
    return st.one_of(
        st.sampled_from(ODD_STRINGS),
        st.builds(lambda a, d, b: a + d + b, ascii_digits, digit, ascii_digits),
        st.builds(lambda a, b: f"{a}_{b}", ascii_digits, ascii_digits),
        st.builds(lambda a, s, b: f"{a}{s}{b}", ascii_digits,
                  st.sampled_from([" ", "\t", "\u00a0", "\u2009", ",", "'"]), ascii_digits),
        st.builds(lambda e: f"1e{e}", st.integers(21, 10**6)),
    )


@settings(max_examples=400, deadline=None)
@given(odd_strings())
def test_to_decimal_refuses_every_odd_string(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        to_decimal(text, "quantity")
    assert info.value.field == "quantity"


@pytest.mark.parametrize("digit", THREES)
def test_no_script_digit_is_a_number(digit: str) -> None:
    assert Decimal(digit) == 3  # what Decimal() alone would have made of it
    with pytest.raises(ValidationError):
        to_decimal(digit)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", "1"), (" 0.5\n", "0.5"), (".5", "0.5"), ("5.", "5"), ("+2", "2"), ("-0.25", "-0.25"),
     ("1e-3", "0.001"), ("2.5E+4", "25000"), ("9e20", "9E+20")],
)
def test_plain_ascii_notation_is_accepted(text: str, value: str) -> None:
    assert to_decimal(text) == Decimal(value)


async def test_the_order_manager_refuses_odd_figures_before_recording(
    roomy_simulator: SimulatedExchange, client: AsterDEXExchange, tmp_path: Path,
    helpers: Any,
) -> None:
    async with OrderManager(client, tmp_path / "orders.sqlite") as manager:
        calls = [
            lambda q: manager.place_market_order(BTC, OrderSide.BUY, q),
            lambda q: manager.place_limit_order(BTC, OrderSide.BUY, "0.01", q),
            lambda q: manager.place_limit_order(BTC, OrderSide.BUY, q, "40000"),
            lambda q: manager.place_stop_loss_order(BTC, OrderSide.SELL, q, "1000",
                                                    reduce_only=False),
            lambda q: manager.place_bracket_order(BTC, OrderSide.BUY, q, stop_loss_price="1",
                                                  take_profit_price="1000000"),
            lambda q: manager.place_bracket_order(BTC, OrderSide.BUY, "0.01", stop_loss_price=q,
                                                  take_profit_price="1000000"),
        ]
        for text in ODD_STRINGS:
            for call in calls:
                with pytest.raises(ValidationError):
                    await call(text)
        assert manager.orders == []
        await manager.flush()
    assert helpers.order_requests(roomy_simulator) == []


async def test_the_exchange_client_refuses_odd_figures(
    roomy_simulator: SimulatedExchange, client: AsterDEXExchange, helpers: Any
) -> None:
    for text in ODD_STRINGS:
        with pytest.raises(ValidationError):
            await client.create_order(BTC, OrderSide.BUY, OrderType.MARKET, text)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            await client.create_order(BTC, OrderSide.BUY, OrderType.LIMIT, Decimal("0.01"),
                                      price=text)  # type: ignore[arg-type]
    assert helpers.order_requests(roomy_simulator) == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"side": "buy"}, "side"), ({"side": "ＢＵＹ"}, "side"), ({"side": 1}, "side"),
     ({"side": OrderType.LIMIT}, "side"), ({"side": "BUY "}, "side"),
     ({"time_in_force": "gtc"}, "time_in_force"), ({"time_in_force": "GOOD"}, "time_in_force"),
     ({"time_in_force": OrderSide.BUY}, "time_in_force"), ({"quantity": True}, "quantity"),
     ({"reduce_only": "yes"}, "reduce_only")],
)
async def test_bad_enum_arguments_are_typed_errors_and_leave_no_order(
    roomy_simulator: SimulatedExchange, client: AsterDEXExchange, tmp_path: Path,
    helpers: Any, kwargs: dict[str, Any], field: str,
) -> None:
    args: dict[str, Any] = {"side": OrderSide.BUY, "quantity": "0.01", "price": "40000",
                            "time_in_force": TimeInForce.GTC, **kwargs}
    async with OrderManager(client, tmp_path / "orders.sqlite") as manager:
        with pytest.raises(ValidationError) as info:
            await manager.place_limit_order(BTC, args.pop("side"), args.pop("quantity"),
                                            args.pop("price"), **args)
        assert info.value.field == field
        if field in ("side", "time_in_force"):
            assert "BUY" in info.value.rule or "GTC" in info.value.rule  # the allowed values
        assert manager.orders == []
    assert helpers.order_requests(roomy_simulator) == []


async def test_enum_names_as_plain_strings_are_taken(
    roomy_simulator: SimulatedExchange, client: AsterDEXExchange, tmp_path: Path,
) -> None:
    async with OrderManager(client, tmp_path / "orders.sqlite") as manager:
        limit = await manager.place_limit_order(BTC, "BUY", "0.01", "40000",  # type: ignore[arg-type]
                                                time_in_force="GTC")  # type: ignore[arg-type]
        assert limit.order.side is OrderSide.BUY and limit.order.time_in_force is TimeInForce.GTC
        await manager.cancel_order(limit.client_order_id)
        raw = await client.create_order(BTC, "BUY", "LIMIT", "0.01", price="40000",  # type: ignore[arg-type]
                                        time_in_force="GTC")  # type: ignore[arg-type]
        assert raw.side is OrderSide.BUY and raw.order_type is OrderType.LIMIT
        await client.cancel_order(raw.order_id, BTC)


async def test_the_liquidation_type_is_never_sent_even_as_a_string(
    roomy_simulator: SimulatedExchange, client: AsterDEXExchange, helpers: Any
) -> None:
    with pytest.raises(ValidationError):
        await client.create_order(BTC, OrderSide.BUY, "LIQUIDATION", Decimal("0.01"))  # type: ignore[arg-type]
    assert helpers.order_requests(roomy_simulator) == []


def test_build_order_request_coerces_exactly() -> None:
    rules = _rules()
    request = build_order_request(rules, "SELL", "STOP_MARKET", "0.010",  # type: ignore[arg-type]
                                  stop_price="30000", position_side="BOTH")  # type: ignore[arg-type]
    assert request.order.order_type is OrderType.STOP_LOSS
    assert ("quantity", "0.01") in request.params
    for kwargs in ({"working_type": "mark"}, {"position_side": "both"},
                   {"stop_price": "3０000"}):
        with pytest.raises(ValidationError):
            build_order_request(rules, OrderSide.SELL, OrderType.STOP_LOSS, Decimal("0.01"),
                                **{"stop_price": Decimal(30000), **kwargs})  # type: ignore[arg-type]


def _rules() -> SymbolRules:
    return SymbolRules(
        symbol=BTC, tick_size=Decimal("0.1"), step_size=Decimal("0.001"),
        min_qty=Decimal("0.001"), max_qty=Decimal("1000"), min_notional=Decimal("5"),
        min_price=Decimal("0.1"), max_price=Decimal("1000000"),
    )


@pytest.mark.parametrize("text", ["٣٠٠٠٠", "30_000", "３００００", "1e400", "NaN"])
def test_the_sizer_refuses_odd_figures(text: str) -> None:
    from execution.sizing import PositionSizer

    with pytest.raises(ValidationError):
        PositionSizer(text)
    sizer = PositionSizer(10_000)
    with pytest.raises(ValidationError):
        sizer.fixed_percentage(text, 1)
    with pytest.raises(ValidationError):
        sizer.risk_based("50000", stop_loss_price=text, risk_percent=1, side="BUY")
    with pytest.raises(ValidationError):
        sizer.risk_based("50000", stop_loss_price="49000", risk_percent=1, side="ＢＵＹ")


@pytest.mark.parametrize("kwargs", [{"max_notional_per_order": "1_000"},
                                    {"max_notional_per_order": "١٠٠٠"},
                                    {"max_notional_per_order": "0"},
                                    {"max_open_orders_per_symbol": "5"},
                                    {"max_open_orders_per_symbol": True}])
def test_the_guards_refuse_odd_limits(kwargs: dict[str, Any]) -> None:
    from execution.orders.validation import OrderGuards

    with pytest.raises(ValidationError):
        OrderGuards(**kwargs)
    assert OrderGuards(max_notional_per_order="1000").max_notional_per_order == Decimal(1000)  # type: ignore[arg-type]


# -- hypothesis over the live entry points (library and CLI) on the simulator --------------

LIVE_FUZZ = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])


@LIVE_FUZZ
@given(text=odd_strings(), in_quantity=st.booleans())
async def test_fuzz_the_library_refuses_odd_strings_and_sends_nothing(
    roomy_simulator: SimulatedExchange, client: AsterDEXExchange, helpers: Any,
    text: str, in_quantity: bool,
) -> None:
    manager = OrderManager(client)  # refused before it would start: nothing to start
    quantity, price = (text, "40000") if in_quantity else ("0.01", text)
    with pytest.raises(ValidationError):
        await manager.place_limit_order(BTC, "BUY", quantity, price)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        await manager.place_stop_loss_order(BTC, OrderSide.SELL, quantity,
                                            "1000" if in_quantity else text, reduce_only=False)
    with pytest.raises(ValidationError):
        await client.create_order(BTC, OrderSide.BUY, OrderType.LIMIT, quantity,  # type: ignore[arg-type]
                                  price=price)  # type: ignore[arg-type]
    assert manager.orders == []
    assert helpers.order_requests(roomy_simulator) == []


def _cli(args: list[str], env: dict[str, str]) -> Any:
    from typer.testing import CliRunner

    from execution.cli.main import app

    clean = {name: None for name in ("ASTER_VENUE", "ASTER_WS_URL", "ASTER_TESTNET",
                                     "ASTER_ALLOW_LIVE", "ASTER_AUTH", "ASTER_USER",
                                     "ASTER_SIGNER", "ASTER_PRIVATE_KEY", "ASTER_STORE")}
    return CliRunner().invoke(app, args, env={**clean, **env})


@LIVE_FUZZ
@given(text=odd_strings(), verb=st.sampled_from(["buy", "sell"]),
       option=st.sampled_from([None, "--price", "--stop-price"]))
async def test_fuzz_the_cli_refuses_odd_strings_with_exit_2_and_sends_nothing(
    roomy_simulator: SimulatedExchange, helpers: Any, text: str, verb: str,
    option: str | None,
) -> None:
    import asyncio

    sim = roomy_simulator
    env = {"ASTER_REST_URL": sim.rest_url, "ASTER_API_KEY": sim.account.api_key or "",
           "ASTER_API_SECRET": sim.account.api_secret or ""}
    args = [verb, BTC, text] if option is None else [verb, BTC, "0.01", option, text]
    if option == "--stop-price":
        args += ["--type", "stop"]
    result = await asyncio.to_thread(_cli, [*args, "--yes"], env)
    assert result.exit_code == 2, (args, result.exit_code, result.stderr)
    assert helpers.order_requests(sim) == []
