"""rules.py: rounding directions, validation and parsing of exchangeInfo."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execution import Rounding, SymbolRules, ValidationError
from execution.rules import is_multiple

D = Decimal

EXCHANGE_INFO_BTC: dict[str, Any] = {
    "symbol": "BTCUSDT",
    "status": "TRADING",
    "baseAsset": "BTC",
    "quoteAsset": "USDT",
    "pricePrecision": 1,
    "quantityPrecision": 3,
    "filters": [
        {"filterType": "PRICE_FILTER", "minPrice": "556.80", "maxPrice": "4529764",
         "tickSize": "0.10"},
        {"filterType": "LOT_SIZE", "stepSize": "0.001", "maxQty": "1000", "minQty": "0.001"},
        {"filterType": "MARKET_LOT_SIZE", "stepSize": "0.001", "maxQty": "120",
         "minQty": "0.001"},
        {"filterType": "MAX_NUM_ORDERS", "limit": 200},
        {"filterType": "MIN_NOTIONAL", "notional": "5"},
        {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500", "multiplierDown": "0.9500",
         "multiplierDecimal": 4},
    ],
}


def rules(**overrides: Any) -> SymbolRules:
    fields: dict[str, Any] = {
        "symbol": "BTCUSDT",
        "tick_size": D("0.1"),
        "step_size": D("0.001"),
        "min_qty": D("0.001"),
        "max_qty": D(1000),
        "min_notional": D(5),
    }
    fields.update(overrides)
    return SymbolRules(**fields)


def test_from_exchange_info() -> None:
    parsed = SymbolRules.from_exchange_info(EXCHANGE_INFO_BTC)
    assert parsed.symbol == "BTCUSDT"
    assert parsed.tick_size == D("0.1") and parsed.step_size == D("0.001")
    assert parsed.min_qty == D("0.001") and parsed.max_qty == D(1000)
    assert parsed.min_notional == D(5)
    assert parsed.min_price == D("556.8") and parsed.max_price == D(4529764)
    assert parsed.market_max_qty == D(120) and parsed.market_step_size == D("0.001")
    assert parsed.multiplier_up == D("1.05") and parsed.multiplier_down == D("0.95")
    assert parsed.max_num_orders == 200
    assert (parsed.base_asset, parsed.quote_asset, parsed.status) == ("BTC", "USDT", "TRADING")


def test_from_exchange_info_min_notional_legacy_key() -> None:
    info = {**EXCHANGE_INFO_BTC, "filters": [
        {"filterType": "PRICE_FILTER", "tickSize": "0.01"},
        {"filterType": "LOT_SIZE", "stepSize": "1", "minQty": "1", "maxQty": "100"},
        {"filterType": "MIN_NOTIONAL", "minNotional": "10"},
    ]}
    parsed = SymbolRules.from_exchange_info(info)
    assert parsed.min_notional == D(10)
    assert parsed.market_step_size is None and parsed.multiplier_up is None


def test_from_exchange_info_without_a_tick_size_is_refused() -> None:
    info = {**EXCHANGE_INFO_BTC, "filters": []}
    with pytest.raises(ValidationError) as error:
        SymbolRules.from_exchange_info(info)
    assert error.value.field == "tick_size"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tick_size", D(0)), ("tick_size", D(-1)), ("step_size", D("NaN")),
        ("step_size", "0.001"), ("min_qty", D(-1)), ("min_notional", D("Infinity")),
    ],
)
def test_construction_rejects_bad_filters(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as error:
        rules(**{field: value})
    assert error.value.field == field


def test_quantity_rounds_down() -> None:
    r = rules()
    assert r.round_quantity_down("0.0019") == D("0.001")
    assert r.round_quantity_down(1.2345) == D("1.234")
    assert r.round_quantity_down("5") == D(5)
    assert r.round_quantity_down("0.0009") == 0


def test_market_step_applies_to_market_orders_only() -> None:
    r = rules(market_step_size=D("0.01"))
    assert r.round_quantity_down("1.2345", market=True) == D("1.23")
    assert r.round_quantity_down("1.2345") == D("1.234")


def test_price_rounds_in_the_named_direction() -> None:
    r = rules()
    assert r.round_price("100.05", Rounding.DOWN) == D("100.0")
    assert r.round_price("100.05", Rounding.UP) == D("100.1")
    assert r.round_price("100.1", Rounding.UP) == D("100.1")
    with pytest.raises(ValidationError, match="rounds to 0"):
        r.round_price("0.05", Rounding.DOWN)


@pytest.mark.parametrize("bad", ["nan", float("inf"), -1, 0, "x", None, True])
def test_rounding_rejects_bad_input(bad: Any) -> None:
    r = rules()
    with pytest.raises(ValidationError):
        r.round_quantity_down(bad)
    with pytest.raises(ValidationError):
        r.round_price(bad, Rounding.UP)


def test_validate_quantity() -> None:
    r = rules(max_qty=D(10), market_max_qty=D(2))
    r.validate_quantity(D("1.001"))
    for bad, message in [
        (D(0), "greater than 0"),
        (D("1.0005"), "multiple of step size"),
        (D(11), "above maximum"),
    ]:
        with pytest.raises(ValidationError, match=message):
            r.validate_quantity(bad)
    with pytest.raises(ValidationError, match="above maximum quantity 2"):
        r.validate_quantity(D(3), market=True)
    with pytest.raises(ValidationError, match="below minimum"):
        rules(min_qty=D("0.01")).validate_quantity(D("0.005"))


def test_validate_price_and_notional() -> None:
    r = rules(min_price=D(1), max_price=D(1_000_000))
    r.validate_price(D("100.1"))
    with pytest.raises(ValidationError, match="tick size"):
        r.validate_price(D("100.15"))
    with pytest.raises(ValidationError, match="below minimum price"):
        r.validate_price(D("0.5"))
    with pytest.raises(ValidationError, match="above maximum price") as error:
        r.validate_price(D(2_000_000), field="stop_price")
    assert error.value.field == "stop_price"
    r.validate_notional(D("0.001"), D(5000))
    with pytest.raises(ValidationError, match="minimum notional"):
        r.validate_notional(D("0.001"), D(4999))


increments = st.sampled_from([D("0.00001"), D("0.001"), D("0.1"), D("0.5"), D(1), D("0.025")])
amounts = st.decimals(min_value=D("0.00001"), max_value=D(10**9), places=6)


@given(step=increments, quantity=amounts)
def test_quantity_rounding_is_down_to_a_multiple(step: Decimal, quantity: Decimal) -> None:
    rounded = rules(step_size=step).round_quantity_down(quantity)
    assert rounded <= quantity < rounded + step
    assert is_multiple(rounded, step)


@given(tick=increments, price=amounts)
def test_price_rounding_brackets_the_price(tick: Decimal, price: Decimal) -> None:
    r = rules(tick_size=tick)
    up = r.round_price(price, Rounding.UP)
    assert price <= up < price + tick and is_multiple(up, tick)
    if price >= tick:
        down = r.round_price(price, Rounding.DOWN)
        assert price - tick < down <= price and is_multiple(down, tick)
