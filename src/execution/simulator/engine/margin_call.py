"""Margin calls: the user-data `MARGIN_CALL` event, pushed when positions near liquidation.

The docs ("Event: Margin Call"): "When the user's position risk ratio is too high, this
stream will be pushed"; it is "only used as risk guidance information". The simulator's
rule (docs/venue-decisions.md, "Margin calls"): the risk ratio is Binance's margin ratio,
maintenance margin / margin balance, per liquidation scope (an account's cross positions
together, or one isolated position); liquidation is at 100 %. At `MARGIN_CALL_RATIO`
(80 %) or above, one `MARGIN_CALL` goes out for the scope, after the liquidation check of
the same move (so it never names a position that move closed); the scope is called again
only after its ratio fell back below the threshold (or its positions closed). Checked on
every move of a symbol the scope holds, as the liquidation check is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from execution.simulator.engine.accounts import Account, Position
from execution.simulator.engine.margin import (
    cross_health,
    cross_positions,
    isolated_health,
    maint_margin,
)
from execution.simulator.engine.trading import TradingCore
from execution.simulator.engine.wire import fmt

MARGIN_CALL_RATIO = Decimal("0.8")
_CROSS = "CROSSED"

# a scope: (account id, "CROSSED") or (account id, symbol, position side) when isolated
Scope = tuple[str, ...]


class MarginCallDesk:
    """Pushes `MARGIN_CALL` once per scope each time its margin ratio reaches the threshold."""

    def __init__(self, core: TradingCore, threshold: Decimal = MARGIN_CALL_RATIO) -> None:
        self.core = core
        self.threshold = threshold
        self.called: set[Scope] = set()  # scopes called and not yet back below the threshold
        self.calls = 0  # events sent, for tests and the operator

    def check(self, symbol: str) -> None:
        """Judge every scope holding `symbol` after its price moved."""
        for account in list(self.core.accounts.values()):
            if account.settings_for(symbol).isolated:
                for position in list(account.positions.values()):
                    if position.symbol == symbol:
                        self._check_isolated(account, position)
            else:
                self._check_cross(account, symbol)

    def _check_isolated(self, account: Account, position: Position) -> None:
        scope = (account.account_id, position.symbol, position.position_side)
        if not position.amount:
            self.called.discard(scope)
            return
        balance, maintenance = isolated_health(
            position, self.core.marks[position.symbol], self.core.specs[position.symbol])
        if self._judge(scope, balance, maintenance):
            self._send(account, [position], cross_wallet=None)

    def _check_cross(self, account: Account, symbol: str) -> None:
        scope = (account.account_id, _CROSS)
        positions = cross_positions(account)
        if not positions:
            self.called.discard(scope)
            return
        if all(position.symbol != symbol for position in positions):
            return
        balance, maintenance = cross_health(account, self.core.marks, self.core.specs)
        if self._judge(scope, balance, maintenance):
            self._send(account, positions, cross_wallet=account.cross_wallet())

    def _judge(self, scope: Scope, balance: Decimal, maintenance: Decimal) -> bool:
        """Whether `scope` is to be called now (and remember that it was)."""
        if maintenance <= 0 or maintenance < self.threshold * balance:
            self.called.discard(scope)
            return False
        if scope in self.called:
            return False
        self.called.add(scope)
        return True

    def _send(self, account: Account, positions: list[Position],
              cross_wallet: Decimal | None) -> None:
        event: dict[str, Any] = {"e": "MARGIN_CALL", "E": self.core.now()}
        if cross_wallet is not None:  # "Only pushed with crossed position margin call"
            event["cw"] = fmt(cross_wallet)
        event["p"] = [self._position(account, position) for position in positions]
        self.calls += 1
        self.core.listener(account.account_id, event)

    def _position(self, account: Account, position: Position) -> dict[str, str]:
        mark = self.core.marks[position.symbol]
        isolated = account.settings_for(position.symbol).isolated
        return {
            "s": position.symbol,
            "ps": position.position_side.value,
            "pa": fmt(position.amount),
            "mt": "ISOLATED" if isolated else _CROSS,
            "iw": fmt(position.isolated_wallet),
            "mp": fmt(mark),
            "up": fmt(position.unrealized(mark)),
            "mm": fmt(maint_margin(self.core.specs[position.symbol],
                                   position.notional(mark))),
        }
