"""How sizing methods take their keywords: the `current_price=` alias of the original API,
and `calculate(method, **params)` checked against the method's own signature."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from execution.errors import ValidationError
from execution.sizing.result import SizingMethod, SizingResult

PRICE_ALIAS = "current_price"

_Method = TypeVar("_Method", bound=Callable[..., SizingResult])


def price_alias(method: _Method) -> _Method:
    """Also accept the price as `current_price=`, the keyword of the original sizing API."""

    @functools.wraps(method)
    def sized(self: Any, *args: Any, **params: Any) -> SizingResult:
        if PRICE_ALIAS in params:
            price = params.pop(PRICE_ALIAS)
            if args or "entry_price" in params:
                raise ValidationError(
                    PRICE_ALIAS, price, "names the same price as entry_price: give one"
                )
            params["entry_price"] = price
        return method(self, *args, **params)

    return cast(_Method, sized)


Entry = tuple[Callable[..., SizingResult], frozenset[str], tuple[str, ...]]


def dispatch_entry(function: Callable[..., SizingResult]) -> Entry:
    """A method with the keywords it accepts and those it requires."""
    function = getattr(function, "__wrapped__", function)  # calculate() maps the alias itself
    parameters = list(inspect.signature(function).parameters.values())[1:]  # drop self
    accepted = frozenset(p.name for p in parameters)
    required = tuple(p.name for p in parameters if p.default is inspect.Parameter.empty)
    return function, accepted, required


def dispatch(
    table: Mapping[SizingMethod, Entry],
    sizer: object,
    method: SizingMethod | str,
    params: dict[str, Any],
) -> SizingResult:
    """Call the method named by `method` on `sizer` with keyword `params`, each checked."""
    try:
        chosen = method if isinstance(method, SizingMethod) else SizingMethod(method)
    except ValueError:
        raise ValidationError("method", method, "is not a sizing method") from None
    function, accepted, required = table[chosen]
    if PRICE_ALIAS in params and "entry_price" not in params:
        params["entry_price"] = params.pop(PRICE_ALIAS)
    for name in params:
        if name not in accepted:
            raise ValidationError(name, params[name], f"is not a parameter of {chosen.value}")
    for name in required:
        if name not in params:
            raise ValidationError(name, None, f"is required by {chosen.value}")
    return function(sizer, **params)
