"""`Markets`: the symbols' rules from `exchangeInfo` and the mark prices last fetched.

The rules decide what an order may look like before anything is sent; the mark cache lets
a market order's price check use a mark at most a few seconds old instead of a request per
order. Ages are measured on the injected `Clock`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from execution.errors import ValidationError
from execution.exchange import endpoints as ep
from execution.exchange.parsing import MalformedResponseError
from execution.exchange.rate_limit import Budget, budgets_from_exchange_info
from execution.exchange.rest import RestClient
from execution.rules import SymbolRules, normalize_symbol
from execution.timekeeping import Clock

MARK_FRESH_SECONDS = 30.0
"""How old a cached mark may be for checking a market order's notional."""


def read_exchange_info(info: Any) -> tuple[dict[str, SymbolRules], list[Budget]]:
    """Symbol rules and rate-limit budgets of an `exchangeInfo` answer."""
    try:
        rules = {
            str(item["symbol"]): SymbolRules.from_exchange_info(item)
            for item in info.get("symbols", [])
        }
        budgets = budgets_from_exchange_info(info.get("rateLimits", []))
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise MalformedResponseError(f"exchangeInfo unreadable: {exc!r}") from None
    return rules, budgets


def read_mark_price(data: Any, symbol: str) -> Decimal:
    """The mark price of `symbol` in a `premiumIndex` answer (one object or a list)."""
    if isinstance(data, list):
        data = next((d for d in data if isinstance(d, dict) and d.get("symbol") == symbol),
                    None)
    if not isinstance(data, dict) or data.get("markPrice") in (None, ""):
        raise MalformedResponseError(f"premiumIndex: no markPrice for {symbol}")
    try:
        return Decimal(str(data["markPrice"]))
    except ArithmeticError:
        raise MalformedResponseError("premiumIndex: markPrice is not a number") from None


class Markets:
    """Rules by symbol (empty until loaded) and a cache of recent mark prices."""

    def __init__(self, rest: RestClient, clock: Clock) -> None:
        self.rest = rest
        self.clock = clock
        self.rules: dict[str, SymbolRules] = {}
        self._marks: dict[str, tuple[Decimal, float]] = {}

    def rules_for(self, symbol: str) -> SymbolRules:
        """The rules of `symbol`; `ValidationError` when the exchange does not list it."""
        # the exchange's own spelling is found as it is; any other is normalized first
        rules = self.rules.get(symbol) if symbol.__class__ is str else None
        if rules is None:
            rules = self.rules.get(normalize_symbol(symbol))
        if rules is None:
            raise ValidationError("symbol", symbol, "unknown symbol (not in exchangeInfo)")
        return rules

    def check_symbol(self, symbol: str) -> str:
        """The exchange's spelling of `symbol` ("BTC/USDT" -> "BTCUSDT"), checked once the
        rules are loaded."""
        if symbol.__class__ is str and symbol in self.rules:
            return symbol  # already the exchange's spelling
        normalized = normalize_symbol(symbol)
        if self.rules and normalized not in self.rules:
            raise ValidationError("symbol", symbol, "unknown symbol (not in exchangeInfo)")
        return normalized

    async def load(self) -> tuple[dict[str, SymbolRules], list[Budget]]:
        """Load `exchangeInfo`: the rules (kept here) and the rate-limit budgets."""
        rules, budgets = read_exchange_info(await self.rest.request(ep.EXCHANGE_INFO))
        self.rules = rules
        return rules, budgets

    async def fetch_mark(self, symbol: str) -> Decimal:
        """The current mark price of `symbol` (remembered for `recent_mark`)."""
        symbol = self.check_symbol(symbol)
        data = await self.rest.request(ep.PREMIUM_INDEX, [("symbol", symbol)])
        mark = read_mark_price(data, symbol)
        self._marks[symbol] = (mark, self.clock.monotonic())
        return mark

    def recent_mark(self, symbol: str, max_age: float) -> Decimal | None:
        """The mark last fetched for `symbol` if at most `max_age` seconds old, else None."""
        cached = self._marks.get(normalize_symbol(symbol))
        if cached is None or self.clock.monotonic() - cached[1] > max_age:
            return None
        return cached[0]
