"""A symbol's trading rules (the exchange's filters) and rounding with them.

Rounding is only ever done to the exchange's tick size (prices) and step size (quantities),
never to `pricePrecision`/`quantityPrecision`. Quantities round *down* (never more exposure
than asked); prices round in the direction the caller names, which is the safe one for the
order at hand (see `safe_limit_direction` and `safe_stop_direction`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from execution.errors import ValidationError
from execution.models import OrderSide
from execution.money import Number, positive, to_decimal


class Rounding(enum.Enum):
    """Direction in which a price is rounded to the tick size."""

    DOWN = "down"
    UP = "up"


def safe_price_rounding(side: OrderSide) -> Rounding:
    """The one rounding policy for every price an order carries (limit price, stop or
    take-profit trigger, trailing activation): BUY rounds down, SELL rounds up.

    One rule serves every type because each order's safe direction follows its side: a
    buy limit never pays more and a sell limit never receives less than asked; a sell
    take-profit (closing a long) never triggers below its level and a buy take-profit
    (closing a short) never above it: never worse than asked; a sell stop (protecting a
    long) triggers no lower and a buy stop (protecting a short) no higher than asked:
    never looser. The order manager, the client and the CLI all round with this."""
    return Rounding.DOWN if side is OrderSide.BUY else Rounding.UP


def _floor_to(value: Decimal, increment: Decimal) -> Decimal:
    return (value / increment).to_integral_value(rounding=ROUND_FLOOR) * increment


def _ceil_to(value: Decimal, increment: Decimal) -> Decimal:
    return (value / increment).to_integral_value(rounding=ROUND_CEILING) * increment


def normalize_symbol(symbol: str) -> str:
    """The exchange's spelling of a symbol: "btcusdt", "BTC/USDT" and "BTC/USDT:USDT" ->
    "BTCUSDT"; anything else that is not ASCII letters and digits is a ValidationError."""
    if not isinstance(symbol, str):
        raise ValidationError("symbol", symbol, "must be a string such as BTCUSDT")
    text = symbol.strip().upper()
    base, slash, rest = text.partition("/")
    if slash:
        quote, _, settle = rest.partition(":")
        if settle and settle != quote:
            raise ValidationError("symbol", symbol, "only USDⓈ-margined perpetuals are traded")
        text = base + quote
    if not (text.isascii() and text.isalnum()):
        raise ValidationError("symbol", symbol, "must be letters and digits, e.g. BTCUSDT")
    return text


def is_multiple(value: Decimal, increment: Decimal) -> bool:
    """True when `value` is an exact multiple of `increment`."""
    if increment == 0:
        return True
    try:
        return (value % increment) == 0
    except InvalidOperation:  # the quotient has more digits than the context holds
        return False


@dataclass(frozen=True, slots=True)
class SymbolRules:
    """The filters of one symbol, as `exchangeInfo` publishes them, in Decimal."""

    symbol: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    min_notional: Decimal = Decimal(0)
    min_price: Decimal = Decimal(0)
    max_price: Decimal = Decimal(0)
    market_step_size: Decimal | None = None
    market_min_qty: Decimal | None = None
    market_max_qty: Decimal | None = None
    max_num_orders: int = 200
    multiplier_up: Decimal | None = None
    multiplier_down: Decimal | None = None
    base_asset: str = ""
    quote_asset: str = "USDT"
    status: str = "TRADING"

    def __post_init__(self) -> None:
        for name in ("tick_size", "step_size"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
                raise ValidationError(name, value, "must be a positive finite Decimal")
        for name in ("min_qty", "max_qty", "min_notional", "min_price", "max_price"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise ValidationError(name, value, "must be a non-negative finite Decimal")

    # -- rounding ---------------------------------------------------------------------------

    def quantity_step(self, market: bool = False) -> Decimal:
        """The step size that applies to a market (MARKET_LOT_SIZE) or other order."""
        if market and self.market_step_size is not None and self.market_step_size > 0:
            return self.market_step_size
        return self.step_size

    def round_quantity_down(self, quantity: Number, market: bool = False) -> Decimal:
        """Round a quantity down to the step size (never more exposure than asked)."""
        value = positive(quantity, "quantity")
        return _floor_to(value, self.quantity_step(market))

    def rounded_quantity(self, quantity: Number, market: bool = False) -> Decimal:
        """`quantity` rounded down to the step size and checked (LOT_SIZE, or
        MARKET_LOT_SIZE for `market`). A refusal names the value asked, what it rounds
        to and the rule: "0.0001 rounds down to 0 with step size 0.001: below the minimum
        quantity 0.001"."""
        value = positive(quantity, "quantity")
        rounded = _floor_to(value, self.quantity_step(market))
        try:
            self.validate_quantity(rounded, market=market)
        except ValidationError as exc:
            if rounded == value:
                raise
            step = self.quantity_step(market)
            min_qty = self.market_min_qty if market and self.market_min_qty else self.min_qty
            rule = exc.rule if rounded > 0 else f"below the minimum quantity {min_qty}"
            raise ValidationError(
                "quantity", value,
                f"rounds down to {rounded.normalize():f} with step size {step}: {rule}",
            ) from None
        return rounded

    def round_price(self, price: Number, direction: Rounding) -> Decimal:
        """Round a price to the tick size in `direction`."""
        value = positive(price, "price")
        if direction is Rounding.DOWN:
            rounded = _floor_to(value, self.tick_size)
            if rounded <= 0:
                raise ValidationError(
                    "price", price, f"rounds to 0 with tick size {self.tick_size}"
                )
            return rounded
        return _ceil_to(value, self.tick_size)

    def round_offset(self, offset: Number, direction: Rounding) -> Decimal:
        """A signed distance from a price (a BBO peg's `pegOffset`) rounded to a multiple
        of the tick size in `direction` (0 stays 0): the same policy as a price, so a BUY's
        offset rounds down and a SELL's up, never to a worse price than asked."""
        value = to_decimal(offset, "peg_offset")
        if not value.is_finite():
            raise ValidationError("peg_offset", offset, "must be a finite number")
        if direction is Rounding.DOWN:
            return _floor_to(value, self.tick_size)
        return _ceil_to(value, self.tick_size)

    # -- validation -------------------------------------------------------------------------

    def validate_quantity(self, quantity: Decimal, market: bool = False) -> None:
        """Raise `ValidationError` unless the quantity passes LOT_SIZE/MARKET_LOT_SIZE."""
        step = self.quantity_step(market)
        min_qty = self.market_min_qty if market and self.market_min_qty else self.min_qty
        max_qty = self.market_max_qty if market and self.market_max_qty else self.max_qty
        if quantity <= 0:
            raise ValidationError("quantity", quantity, "must be greater than 0")
        if max_qty > 0 and quantity > max_qty:
            raise ValidationError("quantity", quantity, f"above maximum quantity {max_qty}")
        if not is_multiple(quantity, step):
            raise ValidationError("quantity", quantity, f"must be a multiple of step size {step}")
        if quantity < min_qty:
            raise ValidationError("quantity", quantity, f"below minimum quantity {min_qty}")

    def validate_price(self, price: Decimal, field: str = "price") -> None:
        """Raise `ValidationError` unless the price passes PRICE_FILTER."""
        if price <= 0:
            raise ValidationError(field, price, "must be greater than 0")
        if self.max_price > 0 and price > self.max_price:
            raise ValidationError(field, price, f"above maximum price {self.max_price}")
        if not is_multiple(price, self.tick_size):
            raise ValidationError(field, price, f"must be a multiple of tick size {self.tick_size}")
        if self.min_price > 0 and price < self.min_price:
            raise ValidationError(field, price, f"below minimum price {self.min_price}")

    def validate_notional(self, quantity: Decimal, price: Decimal) -> None:
        """Raise `ValidationError` when quantity * price is below MIN_NOTIONAL."""
        notional = quantity * price
        if notional < self.min_notional:
            raise ValidationError(
                "notional", notional, f"below minimum notional {self.min_notional}"
            )

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def from_exchange_info(cls, symbol_info: dict[str, Any]) -> SymbolRules:
        """Build from one entry of `exchangeInfo["symbols"]`."""
        filters = {f["filterType"]: f for f in symbol_info.get("filters", [])}
        price_filter = filters.get("PRICE_FILTER", {})
        lot = filters.get("LOT_SIZE", {})
        market_lot = filters.get("MARKET_LOT_SIZE")
        notional = filters.get("MIN_NOTIONAL", {})
        percent = filters.get("PERCENT_PRICE")
        max_orders = filters.get("MAX_NUM_ORDERS", {})

        def dec(source: dict[str, Any] | None, key: str, default: str = "0") -> Decimal:
            if not source or source.get(key) is None:
                return Decimal(default)
            return to_decimal(str(source[key]), key)

        return cls(
            symbol=str(symbol_info["symbol"]),
            tick_size=dec(price_filter, "tickSize"),
            step_size=dec(lot, "stepSize"),
            min_qty=dec(lot, "minQty"),
            max_qty=dec(lot, "maxQty"),
            min_notional=dec(notional, "notional", str(notional.get("minNotional", "0"))),
            min_price=dec(price_filter, "minPrice"),
            max_price=dec(price_filter, "maxPrice"),
            market_step_size=dec(market_lot, "stepSize") if market_lot else None,
            market_min_qty=dec(market_lot, "minQty") if market_lot else None,
            market_max_qty=dec(market_lot, "maxQty") if market_lot else None,
            max_num_orders=int(max_orders.get("limit", 200)),
            multiplier_up=dec(percent, "multiplierUp") if percent else None,
            multiplier_down=dec(percent, "multiplierDown") if percent else None,
            base_asset=str(symbol_info.get("baseAsset", "")),
            quote_asset=str(symbol_info.get("quoteAsset", "USDT")),
            status=str(symbol_info.get("status", "TRADING")),
        )
