"""`LedgerStorage`: what the ledger needs of a store, whatever database is behind it.

The order stores (`SQLiteOrderStore`, `MemoryOrderStore`) implement it beside
`OrderStorage`: the ledger's rows live in the same file as the orders (tables
`ledger_fills`, `ledger_income`, `ledger_marks`). Writes only queue, as the order store's
do (I/O off the event loop, committed by `flush`); reads hand back the rows. A fill is
one per (symbol, trade id) and an income record one per (income type, tranId): recording
one again merges it (a known figure is never replaced by an unknown one), so the stream
and a sync may both record the same trade. A mark (`record_mark(name, ms)`) only ever
moves forward: how far a sync has read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from execution.ledger.records import LedgerFill, LedgerIncome

INCOME_MARK = "income"  # the mark of the income history read so far


def trades_mark(symbol: str) -> str:
    """The name of the mark of a symbol's trades read so far."""
    return f"trades:{symbol}"


@runtime_checkable
class LedgerStorage(Protocol):
    """The account ledger's rows: fills, income records and the sync's marks."""

    def record_fills(self, fills: Iterable[LedgerFill]) -> None:
        """Queue fills (merged into a fill of the same trade already held)."""
        ...

    def record_income(self, records: Iterable[LedgerIncome]) -> None:
        """Queue income records (one per income type and tranId)."""
        ...

    def record_mark(self, name: str, value: int) -> None:
        """Queue a sync mark: kept only if later than the one held."""
        ...

    async def flush(self) -> None:
        """Wait until everything queued is committed."""
        ...

    async def load_fills(self, symbol: str | None = None) -> list[LedgerFill]:
        """The fills (of one symbol, or all), in the exchange's order (time, trade id)."""
        ...

    async def load_income(self, income_type: str | None = None) -> list[LedgerIncome]:
        """The income records (of one type, or all), oldest first."""
        ...

    async def load_marks(self) -> dict[str, int]:
        """Every sync mark by name."""
        ...
