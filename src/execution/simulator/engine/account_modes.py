"""Account-wide modes: self-trade prevention (`stpMode`) and multi-assets margin
(`multiAssetsMargin`), each with its GET and POST (v3 "Change STP Mode", "Change
Multi-Assets Mode"; the v1 document has the multi-assets pair too)."""

from __future__ import annotations

from typing import Any

from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine.accounts import Account
from execution.simulator.engine.order_params import STP_MODES
from execution.simulator.engine.orders import StpMode
from execution.simulator.engine.trading import TradingCore

SUCCESS = {"code": 200, "msg": "success"}


class AccountModes:
    """The handlers of the account-wide modes."""

    def __init__(self, core: TradingCore | None = None) -> None:
        self.core = core  # pushes ACCOUNT_CONFIG_UPDATE when the multi-assets mode changes
        self.handlers = {
            ("GET", "stpMode"): self.get_stp_mode,
            ("POST", "stpMode"): self.set_stp_mode,
            ("GET", "multiAssetsMargin"): self.get_multi_assets,
            ("POST", "multiAssetsMargin"): self.set_multi_assets,
        }

    @staticmethod
    def get_stp_mode(account: Account, params: p.Params) -> Any:
        return {"stpMode": account.stp_mode.value}

    @staticmethod
    def set_stp_mode(account: Account, params: p.Params) -> Any:
        """Every symbol's default; an order's own `stpMode` overrides it. Only the three
        documented values are taken (no NONE: the docs list none)."""
        mode = p.required(params, "stpMode")
        if mode not in STP_MODES:
            raise r.invalid_param("stpMode")
        account.stp_mode = StpMode(mode)
        return dict(SUCCESS)

    @staticmethod
    def get_multi_assets(account: Account, params: p.Params) -> Any:
        return {"multiAssetsMargin": account.multi_assets}

    def set_multi_assets(self, account: Account, params: p.Params) -> Any:
        """"true" or "false" (the docs' strings); setting the mode it is in already is a
        success too (the docs give no code for it). Multi-assets mode needs every symbol
        crossed, as on Binance (-4047 would be wrong: -4168 is undocumented; -1130)."""
        text = p.required(params, "multiAssetsMargin").lower()
        if text not in ("true", "false"):
            raise r.invalid_param("multiAssetsMargin")
        wanted = text == "true"
        if wanted and any(s.isolated for s in account.settings.values()):
            raise r.invalid_param("multiAssetsMargin")
        changed = account.multi_assets != wanted
        account.multi_assets = wanted
        if changed and self.core is not None:  # the docs' `ai` form of the event
            now = self.core.now()
            self.core.listener(account.account_id, {
                "e": "ACCOUNT_CONFIG_UPDATE", "E": now, "T": now,
                "ai": {"j": wanted, "f": False, "d": account.dual_side},
            })
        return dict(SUCCESS)
