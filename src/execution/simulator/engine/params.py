"""Reading request parameters, which arrive as strings, into typed values.

A parameter that is missing where required, or present but malformed, is the exchange's
-1102; an enum value outside its set has its own code, given by the caller.
"""

from __future__ import annotations

import json
from collections.abc import Container
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from execution.simulator.api import ApiError
from execution.simulator.engine.rejections import invalid_param, invalid_symbol, mandatory

Params = dict[str, str]
_T = TypeVar("_T")


def text(params: Params, name: str) -> str | None:
    """The parameter's value, or None when it is absent or empty."""
    value = params.get(name)
    if value is None or value == "":
        return None
    return value


def _present(value: _T | None, name: str) -> _T:
    """A required parameter's value: absent (None) is the exchange's -1102."""
    if value is None:
        raise mandatory(name)
    return value


def required(params: Params, name: str) -> str:
    return _present(text(params, name), name)


def known_symbol(params: Params, symbols: Container[str]) -> str:
    """The required `symbol`, which must be one of `symbols` (else invalid symbol)."""
    symbol = required(params, "symbol")
    if symbol not in symbols:
        raise invalid_symbol()
    return symbol


def decimal(params: Params, name: str) -> Decimal | None:
    value = text(params, name)
    if value is None:
        return None
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise mandatory(name) from None
    if not result.is_finite():
        raise mandatory(name)
    return result


def required_decimal(params: Params, name: str) -> Decimal:
    return _present(decimal(params, name), name)


def integer(params: Params, name: str) -> int | None:
    value = text(params, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise mandatory(name) from None


def required_integer(params: Params, name: str) -> int:
    return _present(integer(params, name), name)


def boolean(params: Params, name: str, default: bool = False) -> bool:
    value = text(params, name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise invalid_param(name)


def choice(params: Params, name: str, allowed: frozenset[str], failure: tuple[int, str],
           default: str | None = None) -> str | None:
    value = text(params, name)
    if value is None:
        return default
    if value not in allowed:
        raise ApiError(*failure)
    return value


def json_list(params: Params, name: str) -> list[Any]:
    """A JSON list parameter. Written with single quotes, as the docs' own `batchOrders`
    example is, it is read as if the quotes were double (docs/venue-decisions.md)."""
    raw = required(params, name)
    try:
        value = json.loads(raw)
    except ValueError:
        if "'" not in raw or '"' in raw:
            raise mandatory(name) from None
        try:
            value = json.loads(raw.replace("'", '"'))
        except ValueError:
            raise mandatory(name) from None
    if not isinstance(value, list):
        raise mandatory(name)
    return value


def limit(params: Params, default: int, maximum: int) -> int:
    value = integer(params, "limit")
    if value is None or value <= 0:
        return default
    return min(value, maximum)


def as_param(value: Any) -> str:
    """A JSON value inside a list parameter (`batchOrders`, `subOrderList`) as the string a
    top-level parameter would carry: booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def string_params(entry: dict[Any, Any]) -> Params:
    """One object of a JSON list parameter as request parameters."""
    return {str(k): as_param(v) for k, v in entry.items()}


_HEX = frozenset("0123456789abcdefABCDEF")


def is_address(text: str) -> bool:
    """An EVM address: 0x and 40 hex digits."""
    return len(text) == 42 and text.startswith("0x") and all(c in _HEX for c in text[2:])
