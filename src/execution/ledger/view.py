"""`LedgerView`: the ledger as read from its storage, and what it adds up to."""

from __future__ import annotations

from dataclasses import dataclass, field

from execution.ledger.records import LedgerFill, LedgerIncome
from execution.ledger.round_trips import RoundTrip, build_round_trips
from execution.ledger.storage import INCOME_MARK, LedgerStorage
from execution.ledger.summary import (
    DayPnl,
    EquityPoint,
    StrategyPnl,
    equity_curve,
    funding_records,
    pnl_by_day,
    pnl_by_strategy,
)


@dataclass(frozen=True, slots=True)
class LedgerView:
    """The fills, the income and the marks of one ledger, and what they make."""

    fills: list[LedgerFill] = field(default_factory=list)
    income: list[LedgerIncome] = field(default_factory=list)
    marks: dict[str, int] = field(default_factory=dict)

    @property
    def income_known_until(self) -> int | None:
        """The income is complete up to here (ms; None: never synced)."""
        return self.marks.get(INCOME_MARK)

    def round_trips(self, symbol: str | None = None) -> list[RoundTrip]:
        fills = [f for f in self.fills if symbol is None or f.symbol == symbol]
        return build_round_trips(fills, self.income,
                                 funding_known_until=self.income_known_until)

    def by_strategy(self) -> list[StrategyPnl]:
        return pnl_by_strategy(self.round_trips())

    def by_day(self) -> list[DayPnl]:
        return pnl_by_day(self.fills, self.income)

    def funding(self, symbol: str | None = None) -> list[LedgerIncome]:
        return funding_records(self.income, symbol)

    def equity(self) -> list[EquityPoint]:
        return equity_curve(self.round_trips())


async def read_ledger(storage: LedgerStorage) -> LedgerView:
    """Everything the ledger holds."""
    return LedgerView(await storage.load_fills(), await storage.load_income(),
                      await storage.load_marks())
