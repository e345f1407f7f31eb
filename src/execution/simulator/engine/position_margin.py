"""Moving margin into and out of an isolated position (`POST positionMargin`) and its
history (`GET positionMargin/history`).

Adding takes from what the cross wallet has available; removing may leave no less than the
position's initial margin at the mark (less any unrealised loss). Both move the position's
liquidation price and are reported as an `ACCOUNT_UPDATE` with reason `MARGIN_TRANSFER`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from execution.simulator.api import ApiError
from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine import wire
from execution.simulator.engine.accounts import MARGIN_ASSET, Account, money
from execution.simulator.engine.orders import ZERO, PositionSide
from execution.simulator.engine.trading import TradingCore
from execution.simulator.json_number import JsonNumber

ADD, REDUCE = 1, 2
_HISTORY_LIMIT = 500


@dataclass(frozen=True, slots=True)
class MarginChange:
    account_id: str
    symbol: str
    kind: int
    amount: Decimal
    position_side: PositionSide
    time: int

    def to_json(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol, "type": self.kind, "deltaType": "USER_ADJUST",
            "amount": wire.fmt(self.amount), "asset": MARGIN_ASSET, "time": self.time,
            "positionSide": self.position_side.value,
        }


class PositionMarginDesk:
    """The two endpoints over the trading core."""

    def __init__(self, core: TradingCore) -> None:
        self.core = core
        self.changes: list[MarginChange] = []

    def modify(self, account: Account, params: p.Params) -> dict[str, Any]:
        core = self.core
        symbol = p.known_symbol(params, core.specs)
        amount = p.required_decimal(params, "amount")
        kind = p.required_integer(params, "type")
        if kind not in (ADD, REDUCE):
            raise r.invalid_param("type")
        if amount <= 0:
            raise r.error(r.AMOUNT_NOT_POSITIVE)
        position_side = self._position_side(account, params)
        settings = account.settings_for(symbol)
        if not settings.isolated:
            raise r.error(r.ADD_MARGIN_NOT_ISOLATED)
        position = account.position(symbol, position_side)
        if not position.amount:
            raise r.error(r.ADD_MARGIN_NO_POSITION)
        mark = core.marks[symbol]
        if kind == ADD:
            if amount > account.available_balance(core.marks):
                raise r.error(r.CROSS_BALANCE_INSUFFICIENT)
            position.isolated_wallet += amount
        else:
            initial = money(abs(position.notional(mark)) / settings.leverage)
            removable = position.isolated_wallet + min(position.unrealized(mark), ZERO) - initial
            if amount > removable:
                raise r.error(r.ISOLATED_BALANCE_INSUFFICIENT)
            position.isolated_wallet -= amount
        now = core.now()
        position.update_time = account.update_time = now
        self.changes.append(
            MarginChange(account.account_id, symbol, kind, amount, position_side, now)
        )
        core.emit_account_update(account, "MARGIN_TRANSFER", [position])
        return {"amount": JsonNumber(amount), "code": 200,
                "msg": "Successfully modify position margin.", "type": kind}

    def history(self, account: Account, params: p.Params) -> list[dict[str, Any]]:
        symbol = p.known_symbol(params, self.core.specs)
        kind = p.integer(params, "type")
        start = p.integer(params, "startTime")
        end = p.integer(params, "endTime")
        limit = p.integer(params, "limit") or _HISTORY_LIMIT
        rows = [
            change.to_json() for change in self.changes
            if change.account_id == account.account_id and change.symbol == symbol
            and (kind is None or change.kind == kind)
            and (start is None or change.time >= start) and (end is None or change.time <= end)
        ]
        return rows[-limit:]

    @staticmethod
    def _position_side(account: Account, params: p.Params) -> PositionSide:
        text = p.text(params, "positionSide") or PositionSide.BOTH.value
        if text not in PositionSide.__members__:
            raise ApiError(*r.INVALID_POSITION_SIDE)
        side = PositionSide(text)
        if account.dual_side == (side is PositionSide.BOTH):
            raise ApiError(*r.POSITION_SIDE_MISMATCH)
        return side
