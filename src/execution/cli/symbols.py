"""Symbols as users type them, in the exchange's form."""

from __future__ import annotations

from execution.errors import ValidationError


def normalize_symbol(text: str) -> str:
    """"btcusdt", "BTC/USDT" and "BTC/USDT:USDT" -> "BTCUSDT"; anything else not
    alphanumeric is rejected."""
    symbol = text.strip().upper()
    base, slash, rest = symbol.partition("/")
    if slash:
        quote, _, settle = rest.partition(":")
        if settle and settle != quote:
            raise ValidationError("symbol", text, "only USDⓈ-margined perpetuals are traded")
        symbol = base + quote
    if not symbol.isalnum():
        raise ValidationError("symbol", text, "must be letters and digits, e.g. BTCUSDT")
    return symbol
