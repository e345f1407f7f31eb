"""The account ledger: every fill with its fee, fee asset and realised PnL, the income
(funding, commissions, realised PnL, transfers), round trips (a position from open to
flat) and PnL per strategy and per UTC day. Independent of any database: a store keeps
the rows through `LedgerStorage`; `sync.sync_ledger` fills them in from the exchange."""

from execution.ledger.records import EXCHANGE, STREAM, LedgerFill, LedgerIncome
from execution.ledger.round_trips import RoundTrip, build_round_trips
from execution.ledger.storage import LedgerStorage
from execution.ledger.summary import DayPnl, EquityPoint, StrategyPnl
from execution.ledger.view import LedgerView, read_ledger

__all__ = [
    "EXCHANGE",
    "STREAM",
    "DayPnl",
    "EquityPoint",
    "LedgerFill",
    "LedgerIncome",
    "LedgerStorage",
    "LedgerView",
    "RoundTrip",
    "StrategyPnl",
    "build_round_trips",
    "read_ledger",
]
