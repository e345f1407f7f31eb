"""Bringing the ledger up to the exchange's record: `sync_ledger` reads `income` and
`userTrades` since the last sync (its marks) and records what it finds, merged with what
the stream recorded live (one row a trade, one a tranId): a ledger that missed fills while
its process was down is whole again, and a fill whose fee was unknown gets it.

The exchange answers at most 1000 rows and 7 days a request (the docs); the reads go
window by window and page by page. What was read up to is marked (`ledger_marks`), so the
next sync starts there (less an overlap for records booked late: repeats merge away).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, runtime_checkable

from execution.exchange.account_history import (
    AccountHistory,
    AccountTrade,
    account_history_of,
)
from execution.exchange.base import BaseExchange
from execution.ledger.records import LedgerIncome, fill_from_trade, income_from_record
from execution.ledger.storage import INCOME_MARK, LedgerStorage, trades_mark
from execution.orders.managed import ManagedOrder
from execution.rules import normalize_symbol
from execution.timekeeping import now_ms

WEEK_MS = 7 * 24 * 3_600_000  # the longest window one request may ask for
PAGE = 1000  # the most rows one request returns
OVERLAP_MS = 60_000  # read again before the mark: records the exchange booked late
AHEAD_MS = 60_000  # read past the local clock: the exchange's may be ahead

R = TypeVar("R")


@runtime_checkable
class _HoldsOrders(Protocol):
    async def load_orders(self, *, open_only: bool = False) -> list[ManagedOrder]: ...


@dataclass(slots=True)
class SyncReport:
    """What a sync read and what was new to the ledger."""

    symbols: list[str] = field(default_factory=list)
    fills_read: int = 0
    fills_new: int = 0
    income_read: int = 0
    income_new: int = 0
    until: int = 0  # ms: the ledger is complete up to here


async def sync_ledger(
    exchange: BaseExchange,
    ledger: LedgerStorage,
    *,
    symbols: Sequence[str] | None = None,
    since: int | None = None,
    now: int | None = None,
    history: AccountHistory | None = None,
) -> SyncReport:
    """Record the account's income and trades since the last sync (or since `since`, ms;
    the first time by default since the store's first order, at most 7 days back) in
    `ledger`, and wait until they are committed. `symbols`: whose trades to read (default:
    every symbol the ledger, the store's orders, the income read and the positions
    name)."""
    history = history or account_history_of(exchange)
    moment = now_ms() if now is None else now
    end = moment + AHEAD_MS
    marks = await ledger.load_marks()
    orders = await ledger.load_orders() if isinstance(ledger, _HoldsOrders) else []
    first = since if since is not None else _first_start(orders, moment)
    report = SyncReport(until=moment)

    records = await _read_income(history, ledger, _resume(marks.get(INCOME_MARK), first),
                                 end, report)

    held_fills = await ledger.load_fills()
    wanted = _symbols(symbols, held_fills, orders, records)
    if symbols is None:
        wanted |= {p.symbol for p in await exchange.get_positions() if p.quantity}
    by_order = {m.order_id: m for m in orders if m.order_id}
    held_keys = {f.key for f in held_fills}
    for symbol in sorted(wanted):
        start = _resume(marks.get(trades_mark(symbol)), first)
        trades = await _pages(_trades_of(history, symbol), start, end, lambda t: t.time)
        fills = []
        for trade in trades:
            managed = by_order.get(trade.order_id)
            fills.append(fill_from_trade(
                trade, client_order_id=managed.client_order_id if managed else None,
                strategy=managed.strategy_name if managed else None))
        ledger.record_fills(fills)
        ledger.record_mark(trades_mark(symbol), moment)
        report.fills_read += len(fills)
        report.fills_new += len({f.key for f in fills} - held_keys)
    ledger.record_mark(INCOME_MARK, moment)
    await ledger.flush()
    report.symbols = sorted(wanted)
    return report


async def sync_income(
    exchange: BaseExchange, ledger: LedgerStorage, *, now: int | None = None,
    history: AccountHistory | None = None,
) -> SyncReport:
    """Record the account's income since the last sync (funding, commissions, ...) in
    `ledger` and mark it read; what the manager does when the stream says funding was
    paid."""
    history = history or account_history_of(exchange)
    moment = now_ms() if now is None else now
    marks = await ledger.load_marks()
    report = SyncReport(until=moment)
    first = moment - WEEK_MS + 1
    await _read_income(history, ledger, _resume(marks.get(INCOME_MARK), first),
                       moment + AHEAD_MS, report)
    ledger.record_mark(INCOME_MARK, moment)
    await ledger.flush()
    return report


async def _read_income(history: AccountHistory, ledger: LedgerStorage, start: int, end: int,
                       report: SyncReport) -> list[LedgerIncome]:
    held = {r.key for r in await ledger.load_income()}
    records = [income_from_record(r) for r in await _pages(
        lambda s, e: history.income(start_time=s, end_time=e, limit=PAGE),
        start, end, lambda r: r.time)]
    ledger.record_income(records)
    report.income_read += len(records)
    report.income_new += len({r.key for r in records} - held)
    return records


def _trades_of(history: AccountHistory, symbol: str
               ) -> Callable[[int, int], Awaitable[list[AccountTrade]]]:
    async def fetch(start: int, end: int) -> list[AccountTrade]:
        return await history.trades(symbol, start_time=start, end_time=end, limit=PAGE)

    return fetch


def _first_start(orders: list[ManagedOrder], moment: int) -> int:
    earliest = min((m.submitted_at for m in orders if m.submitted_at), default=None)
    week_ago = moment - WEEK_MS + 1
    return week_ago if earliest is None else max(earliest - OVERLAP_MS, week_ago)


def _resume(mark: int | None, first: int) -> int:
    return first if mark is None else mark - OVERLAP_MS


def _symbols(symbols: Sequence[str] | None, fills: Sequence[object],
             orders: list[ManagedOrder], records: Sequence[object]) -> set[str]:
    if symbols is not None:
        return {normalize_symbol(s) for s in symbols}
    named = {str(getattr(x, "symbol", "")) for x in (*fills, *orders, *records)}
    return {s for s in named if s}


async def _pages(
    fetch: Callable[[int, int], Awaitable[list[R]]], start: int, end: int,
    time_of: Callable[[R], int],
) -> list[R]:
    """Every row from `start` to `end` (ms, inclusive), window by window (7 days at most)
    and page by page (a full page is read on from its last row's time)."""
    rows: list[R] = []
    begin = start
    while begin <= end:
        stop = min(begin + WEEK_MS - 1, end)
        page = await fetch(begin, stop)
        rows.extend(page)
        begin = max(time_of(page[-1]), begin + 1) if len(page) >= PAGE else stop + 1
    return rows
