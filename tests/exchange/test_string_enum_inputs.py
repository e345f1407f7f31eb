"""Enum arguments of the client as strings: the exact name is taken, anything else is a
typed error before anything is sent (on every venue, Binance's conditional-order check
included); symbols are ASCII letters and digits only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.errors import ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import MarginType, OrderSide
from execution.rules import normalize_symbol
from execution.simulator import SimulatedExchange

SYMBOL = "BTCUSDT"


@pytest.mark.parametrize("auth", ["hmac"])
async def test_an_order_type_string_is_its_enum_or_a_typed_error(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    order = await exchange.create_order(SYMBOL, OrderSide.BUY, "MARKET", Decimal("0.001"))  # type: ignore[arg-type]
    assert order.status.value == "FILLED"
    sent = len(simulator.request_log)
    for odd in ("market", "MARKET ", "LIQUIDATION", 1, None):
        with pytest.raises(ValidationError) as caught:
            await exchange.create_order(SYMBOL, OrderSide.BUY, odd, Decimal("0.001"))  # type: ignore[arg-type]
        assert caught.value.field == "order_type"
    assert len(simulator.request_log) == sent


async def test_binance_checks_a_string_order_type_with_a_typed_error(
    simulator: SimulatedExchange,
) -> None:
    client = AsterDEXExchange(None, venue="binance", rest_urls=simulator.rest_urls,
                              dotenv_path=None)
    for odd in ("STOP_MARKET", "stop"):
        with pytest.raises(ValidationError):
            await client.create_order(SYMBOL, OrderSide.SELL, odd, Decimal("0.001"),  # type: ignore[arg-type]
                                      stop_price=Decimal("1000"))


@pytest.mark.parametrize("auth", ["hmac"])
async def test_a_margin_type_string_is_taken_by_its_name(exchange: AsterDEXExchange) -> None:
    await exchange.set_margin_type(SYMBOL, "ISOLATED")  # type: ignore[arg-type]
    await exchange.set_margin_type(SYMBOL, MarginType.CROSSED)
    with pytest.raises(ValidationError):
        await exchange.set_margin_type(SYMBOL, "isolated")  # type: ignore[arg-type]


@pytest.mark.parametrize("symbol", ["ＢＴＣUSDT", "BTCUSDT٣", "BTCUSDⓉ", "BTC USDT", "ΒTCUSDT"])
def test_a_symbol_is_ascii_letters_and_digits(symbol: str) -> None:
    with pytest.raises(ValidationError):
        normalize_symbol(symbol)
