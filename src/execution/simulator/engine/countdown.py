"""`POST countdownCancelAll`: a dead man's switch. Once armed for a symbol, every open order
of that symbol is cancelled when `countdownTime` ms pass without the countdown being renewed
(sent again); `countdownTime=0` disarms it. Countdowns are checked on every request and
every price move, on the engine's clock.
"""

from __future__ import annotations

from typing import Any

from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine.accounts import Account
from execution.simulator.engine.trading import TradingCore


class CountdownCancel:
    """Armed countdowns by (account, symbol), and their firing."""

    def __init__(self, core: TradingCore) -> None:
        self.core = core
        self.deadlines: dict[tuple[str, str], int] = {}
        self.fired = 0

    def arm(self, account: Account, params: p.Params) -> dict[str, Any]:
        symbol = p.known_symbol(params, self.core.specs)
        countdown = p.required_integer(params, "countdownTime")
        if countdown < 0:
            raise r.invalid_param("countdownTime")
        key = (account.account_id, symbol)
        if countdown == 0:
            self.deadlines.pop(key, None)
        else:
            self.deadlines[key] = self.core.now() + countdown
        return {"symbol": symbol, "countdownTime": str(countdown)}

    def fire_due(self) -> None:
        """Cancel the open orders of every countdown that has run out."""
        if not self.deadlines:
            return
        now = self.core.now()
        for key, deadline in list(self.deadlines.items()):
            if now < deadline:
                continue
            del self.deadlines[key]
            account_id, symbol = key
            account = self.core.accounts[account_id]
            for order in self.core.open_orders_in(account, symbol):
                self.core.cancel(account, order)
            self.fired += 1
