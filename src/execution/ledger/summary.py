"""What the ledger adds up to: PnL per strategy (over round trips), per UTC day (over the
fills and the income, as the wallet saw it), the funding, and the equity curve.

A total is None (unknown) as soon as one of its parts is: an unknown fee is never added
as a 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from execution.ledger.records import FUNDING_FEE, LedgerFill, LedgerIncome
from execution.ledger.round_trips import RoundTrip

ZERO = Decimal(0)
UNTAGGED = "(none)"  # the strategy of trips whose orders had none


def _add(total: Decimal | None, value: Decimal | None) -> Decimal | None:
    return None if total is None or value is None else total + value


@dataclass(frozen=True, slots=True)
class StrategyPnl:
    """The closed round trips of one strategy, added up."""

    strategy: str
    trips: int
    wins: int
    gross_pnl: Decimal | None
    fees: Decimal | None
    funding: Decimal | None
    net_pnl: Decimal | None


def pnl_by_strategy(trips: Iterable[RoundTrip]) -> list[StrategyPnl]:
    """Closed round trips grouped by the strategy of the order that opened them."""
    groups: dict[str, list[RoundTrip]] = {}
    for trip in trips:
        if not trip.is_open:
            groups.setdefault(trip.strategy or UNTAGGED, []).append(trip)
    result = []
    for name, group in sorted(groups.items()):
        gross: Decimal | None = ZERO
        fees: Decimal | None = ZERO
        funding: Decimal | None = ZERO
        net: Decimal | None = ZERO
        for trip in group:
            gross, fees = _add(gross, trip.gross_pnl), _add(fees, trip.fees)
            funding, net = _add(funding, trip.funding), _add(net, trip.net_pnl)
        wins = sum(1 for t in group if t.net_pnl is not None and t.net_pnl > 0)
        result.append(StrategyPnl(name, len(group), wins, gross, fees, funding, net))
    return result


@dataclass(frozen=True, slots=True)
class DayPnl:
    """One UTC day of the account, as the wallet saw it: the exchange's realised PnL of
    the day's fills, their fees, the funding and the net of the three."""

    day: str  # YYYY-MM-DD (UTC)
    fills: int
    realized_pnl: Decimal | None
    fees: Decimal | None
    funding: Decimal
    net_pnl: Decimal | None


def utc_day(ms: int) -> str:
    """The UTC date of a time in ms since the epoch."""
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).strftime("%Y-%m-%d")


@dataclass(slots=True)
class _Day:
    fills: int = 0
    realized: Decimal | None = ZERO
    fees: Decimal | None = ZERO
    funding: Decimal = ZERO


def pnl_by_day(fills: Iterable[LedgerFill], income: Iterable[LedgerIncome]) -> list[DayPnl]:
    """Every UTC day with a fill or a funding payment, oldest first."""
    days: dict[str, _Day] = {}
    for fill in fills:
        day = days.setdefault(utc_day(fill.time), _Day())
        day.fills += 1
        day.realized = _add(day.realized, fill.realized_pnl)
        day.fees = _add(day.fees, fill.commission)
    for record in income:
        if record.income_type == FUNDING_FEE:
            days.setdefault(utc_day(record.time), _Day()).funding += record.income
    result = []
    for name, day in sorted(days.items()):
        net = None
        if day.realized is not None and day.fees is not None:
            net = day.realized - day.fees + day.funding
        result.append(DayPnl(name, day.fills, day.realized, day.fees, day.funding, net))
    return result


def funding_records(income: Iterable[LedgerIncome], symbol: str | None = None
                    ) -> list[LedgerIncome]:
    """The FUNDING_FEE records (of one symbol, or all), oldest first."""
    return sorted(
        (r for r in income if r.income_type == FUNDING_FEE
         and (symbol is None or r.symbol == symbol)),
        key=lambda r: (r.time, r.tran_id),
    )


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """The cumulative net result at a moment (ms), from the ledger's start."""

    time: int
    equity: Decimal


def equity_curve(trips: Sequence[RoundTrip]) -> list[EquityPoint]:
    """The cumulative net PnL after each closed round trip whose net PnL is known, in the
    order they closed, starting from 0 at the first trip's opening."""
    closed = sorted((t for t in trips if t.closed_at is not None and t.net_pnl is not None),
                    key=lambda t: t.closed_at or 0)
    if not closed:
        return []
    points = [EquityPoint(min(t.opened_at for t in closed), ZERO)]
    total = ZERO
    for trip in closed:
        assert trip.net_pnl is not None and trip.closed_at is not None
        total += trip.net_pnl
        points.append(EquityPoint(trip.closed_at, total))
    return points
