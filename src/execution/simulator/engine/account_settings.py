"""Per-symbol and position-mode settings: leverage, margin type and the position mode
(v1/v3 "Change Initial Leverage", "Change Margin Type", "Change Position Mode")."""

from __future__ import annotations

from typing import Any

from execution.simulator.api import ApiError
from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine import wire
from execution.simulator.engine.account_views import max_notional
from execution.simulator.engine.accounts import Account
from execution.simulator.engine.trading import TradingCore


class AccountSettings:
    """The handlers of an account's settings."""

    def __init__(self, core: TradingCore) -> None:
        self.core = core
        self.handlers = {
            ("POST", "leverage"): self._leverage,
            ("POST", "marginType"): self._margin_type,
            ("GET", "positionSide/dual"): self._get_dual,
            ("POST", "positionSide/dual"): self._set_dual,
        }

    def _leverage(self, account: Account, params: p.Params) -> Any:
        symbol = p.known_symbol(params, self.core.specs)
        spec = self.core.specs[symbol]
        leverage = p.required_integer(params, "leverage")
        if not 1 <= leverage <= spec.max_leverage:
            raise ApiError(-4028, f"Leverage {leverage} is not valid")
        settings = account.settings_for(symbol)
        has_position = any(
            pos.amount for (name, _side), pos in account.positions.items() if name == symbol
        )
        if settings.isolated and has_position and leverage < settings.leverage:
            raise r.error(r.ISOLATED_LEVERAGE_REDUCTION)
        settings.leverage = leverage
        now = self.core.now()
        self.core.listener(account.account_id, {
            "e": "ACCOUNT_CONFIG_UPDATE", "E": now, "T": now,
            "ac": {"s": symbol, "l": leverage},
        })
        return {
            "leverage": leverage,
            "maxNotionalValue": wire.fmt(max_notional(spec, leverage)),
            "symbol": symbol,
        }

    def _margin_type(self, account: Account, params: p.Params) -> Any:
        symbol = p.known_symbol(params, self.core.specs)
        margin_type = p.required(params, "marginType").upper()
        if margin_type not in ("ISOLATED", "CROSSED"):
            raise r.invalid_param("marginType")
        settings = account.settings_for(symbol)
        isolated = margin_type == "ISOLATED"
        if settings.isolated == isolated:
            raise r.error(r.NO_NEED_MARGIN_TYPE)
        if account.open_orders.get(symbol):
            raise r.error(r.MARGIN_TYPE_OPEN_ORDERS)
        if any(pos.amount for (name, _side), pos in account.positions.items() if name == symbol):
            raise r.error(r.MARGIN_TYPE_POSITION)
        if isolated and account.multi_assets:
            raise r.invalid_param("marginType")  # multi-assets mode is crossed only
        settings.isolated = isolated
        return {"code": 200, "msg": "success"}

    def _get_dual(self, account: Account, params: p.Params) -> Any:
        return {"dualSidePosition": account.dual_side}

    def _set_dual(self, account: Account, params: p.Params) -> Any:
        text = p.required(params, "dualSidePosition").lower()
        if text not in ("true", "false"):
            raise r.invalid_param("dualSidePosition")
        dual = text == "true"
        if dual == account.dual_side:
            raise r.error(r.NO_NEED_POSITION_SIDE)
        if any(account.open_orders.values()):
            raise r.error(r.POSITION_SIDE_OPEN_ORDERS)
        if account.open_positions():
            raise r.error(r.POSITION_SIDE_POSITION)
        account.dual_side = dual
        account.positions.clear()
        return {"code": 200, "msg": "success"}
