"""Funding: every 8 hours (00:00, 08:00 and 16:00 UTC) each open position pays or receives
`position notional at the mark × funding rate`.

With a positive rate longs pay and shorts receive. The fee moves the wallet (and the
isolated margin of an isolated position), is booked as `FUNDING_FEE` income and reported as
an `ACCOUNT_UPDATE` with reason `FUNDING_FEE`. Settlement happens at the first price move at
or after each funding time on the engine's clock.
"""

from __future__ import annotations

from decimal import Decimal

from execution.simulator.engine.accounts import MARGIN_ASSET, money
from execution.simulator.engine.market_data import next_funding_time
from execution.simulator.engine.trading import TradingCore


class FundingSettler:
    """Settles funding for every account when a funding time has passed."""

    def __init__(self, core: TradingCore, rate: Decimal) -> None:
        self.core = core
        self.rate = rate
        self.next_time = next_funding_time(core.now())
        self.settlements = 0

    def settle_due(self) -> None:
        """Settle once if the clock has reached the next funding time."""
        now = self.core.now()
        if now < self.next_time:
            return
        self.next_time = next_funding_time(now)
        self.settlements += 1
        if self.rate:
            self._settle(now)

    def settle_now(self) -> None:
        """Settle at once, as at a funding time (tests and demos: funding on a held
        position without waiting for 00:00, 08:00 or 16:00 UTC); the schedule is kept."""
        self.settlements += 1
        if self.rate:
            self._settle(self.core.now())

    def _settle(self, now: int) -> None:
        core = self.core
        marks = core.marks
        for account in core.accounts.values():
            paid = [position for position in account.positions.values() if position.amount]
            if not paid:
                continue
            for position in paid:
                mark = marks[position.symbol]
                fee = money(-position.amount * mark * self.rate)
                if not fee:
                    continue
                account.balances[MARGIN_ASSET] = account.wallet + fee
                if account.settings_for(position.symbol).isolated:
                    position.isolated_wallet += fee
                core._income(account, position.symbol, "FUNDING_FEE", fee, now, 0)
            account.update_time = now
            core.emit_account_update(account, "FUNDING_FEE", paid)
