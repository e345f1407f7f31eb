"""The risk engine a manager runs with: the one given, or one built from limits whose
trading state is kept next to the manager's SQLite store, or in its PostgreSQL store (so a
halt survives a restart)."""

from __future__ import annotations

from execution.errors import ValidationError
from execution.risk.engine import RiskEngine
from execution.risk.limits import RiskLimits
from execution.risk.state_file import KeepsTradingState, state_file_for_store
from execution.store import SQLiteOrderStore
from execution.store_interface import OrderStorage
from execution.timekeeping import Clock


def risk_engine_for(
    risk: RiskEngine | RiskLimits | None, clock: Clock, store: OrderStorage | None
) -> RiskEngine:
    """The engine given, or one with `risk`'s limits whose trading state is kept next to a
    SQLite store's file or by a store that keeps it (PostgreSQL): a halt survives a
    restart."""
    if isinstance(risk, RiskEngine):
        return risk
    if risk is None or isinstance(risk, RiskLimits):
        if isinstance(store, SQLiteOrderStore):
            return RiskEngine(risk, clock, state_file=state_file_for_store(store.location))
        if isinstance(store, KeepsTradingState):
            return RiskEngine(risk, clock, state_file=store.trading_state_keeper())
        return RiskEngine(risk, clock)
    raise ValidationError("risk", type(risk).__name__, "a RiskEngine, RiskLimits or None")
