"""Maintenance margin, margin health and liquidation prices, from the leverage brackets.

A position's maintenance margin is `|notional| × maintMarginRatio − cum` of the bracket its
notional falls in (`cum` makes the function continuous across brackets). An isolated
position is liquidated when its margin (isolated wallet + unrealised PnL) is at or below its
maintenance margin; the cross positions of an account together, when the cross wallet plus
their unrealised PnL is at or below the sum of their maintenance margins.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from execution.simulator.engine.accounts import Account, Position, money
from execution.simulator.engine.config import SymbolSpec
from execution.simulator.engine.orders import ZERO
from execution.simulator.json_number import JsonNumber

_BEYOND_LAST_BRACKET = Decimal("0.5")


@dataclass(frozen=True, slots=True)
class BracketTerms:
    """One bracket as the maintenance formula uses it."""

    floor: Decimal
    cap: Decimal
    ratio: Decimal
    cum: Decimal


def bracket_terms(spec: SymbolSpec) -> Iterator[BracketTerms]:
    floor = ZERO
    cum = ZERO
    previous_ratio = ZERO
    for bracket in spec.brackets:
        cum += floor * (bracket.maint_margin_ratio - previous_ratio)
        yield BracketTerms(floor, bracket.notional_cap, bracket.maint_margin_ratio, cum)
        floor = bracket.notional_cap
        previous_ratio = bracket.maint_margin_ratio


def terms_for(spec: SymbolSpec, notional: Decimal) -> BracketTerms:
    """The bracket that `|notional|` falls in."""
    notional = abs(notional)
    last = None
    for terms in bracket_terms(spec):
        if notional <= terms.cap:
            return terms
        last = terms
    cap = last.cap if last is not None else ZERO
    return BracketTerms(cap, Decimal("Infinity"), _BEYOND_LAST_BRACKET, ZERO)


def bracket_table(spec: SymbolSpec) -> list[dict[str, Any]]:
    """`leverageBracket`'s rows for one symbol."""
    return [
        {
            "bracket": index,
            "initialLeverage": bracket.initial_leverage,
            "notionalCap": int(terms.cap),
            "notionalFloor": int(terms.floor),
            "maintMarginRatio": JsonNumber(terms.ratio),  # numbers in the docs' example
            "cum": JsonNumber(terms.cum),
        }
        for index, (bracket, terms) in enumerate(
            zip(spec.brackets, bracket_terms(spec), strict=True), start=1
        )
    ]


def maint_margin(spec: SymbolSpec, notional: Decimal) -> Decimal:
    """The maintenance margin of a position worth `notional` (either sign)."""
    terms = terms_for(spec, notional)
    return money(abs(notional) * terms.ratio - terms.cum)


def isolated_health(position: Position, mark: Decimal, spec: SymbolSpec) -> tuple[Decimal,
                                                                                   Decimal]:
    """(margin balance, maintenance margin) of one isolated position."""
    return (
        position.isolated_wallet + position.unrealized(mark),
        maint_margin(spec, position.notional(mark)),
    )


def cross_positions(account: Account) -> list[Position]:
    return [
        position for position in account.positions.values()
        if position.amount and not account.settings_for(position.symbol).isolated
    ]


def cross_health(
    account: Account, marks: Mapping[str, Decimal], specs: Mapping[str, SymbolSpec]
) -> tuple[Decimal, Decimal]:
    """(margin balance, maintenance margin) of the account's cross positions together."""
    balance = account.cross_wallet()
    maintenance = ZERO
    for position in cross_positions(account):
        mark = marks[position.symbol]
        balance += position.unrealized(mark)
        maintenance += maint_margin(specs[position.symbol], position.notional(mark))
    return balance, maintenance


def liquidation_price(
    account: Account, position: Position, marks: Mapping[str, Decimal],
    specs: Mapping[str, SymbolSpec],
) -> Decimal:
    """The mark price at which `position` would be liquidated, the other marks unchanged
    (0 when no price would liquidate it, e.g. a long at 1x).

    Solves `wallet + other PnL − other maintenance + side·amt·(P − entry) =
    amt·P·ratio − cum` for P, in the bracket that `amt·P` falls in.
    """
    amount = abs(position.amount)
    if not amount:
        return ZERO
    spec = specs[position.symbol]
    side = 1 if position.amount > 0 else -1
    if account.settings_for(position.symbol).isolated:
        wallet = position.isolated_wallet
    else:
        wallet = account.cross_wallet()
        for other in cross_positions(account):
            if other is not position:
                mark = marks[other.symbol]
                wallet += other.unrealized(mark)
                wallet -= maint_margin(specs[other.symbol], other.notional(mark))
    current = terms_for(spec, position.notional(marks[position.symbol]))
    candidates = [*bracket_terms(spec), current]
    for terms in candidates:
        denominator = amount * terms.ratio - side * amount
        if not denominator:
            continue
        price = (wallet + terms.cum - side * amount * position.entry_price) / denominator
        if terms is current or terms.floor <= amount * price <= terms.cap:
            return money(max(price, ZERO))
    return ZERO
