"""`AccountConfig`: what a manager knows of the account's configuration, and keeps current.

The leverage of each symbol (the risk layer's `max_leverage` check reads it) comes from the
exchange's position reads and from `ACCOUNT_CONFIG_UPDATE` events (a leverage changed, by
this process or any other); the account's multi-assets mode, fee deduction and position
mode from the same event's `ai` part. None: not told yet.

`ACCOUNT_UPDATE` positions carry no leverage: `with_leverage` puts the known one on them,
so a fill never resets a position's leverage to the default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from execution.models import AccountConfigUpdate, Position


@dataclass
class AccountConfig:
    """The account's configuration as last told by the exchange."""

    leverage: dict[str, int] = field(default_factory=dict)  # symbol -> leverage
    multi_assets: bool | None = None
    fee_deduction: bool | None = None
    dual_side: bool | None = None  # hedge mode

    def apply(self, update: AccountConfigUpdate) -> None:
        """Take what an `ACCOUNT_CONFIG_UPDATE` says (a part it does not carry stays)."""
        if update.symbol is not None and update.leverage is not None:
            self.leverage[update.symbol] = update.leverage
        for name in ("multi_assets", "fee_deduction", "dual_side"):
            value = getattr(update, name)
            if value is not None:
                setattr(self, name, value)

    def with_leverage(self, position: Position, previous: Position | None) -> Position:
        """`position` (from an event without leverage) with its symbol's known leverage:
        the last told, else the one the previous record of the position had."""
        known = self.leverage.get(position.symbol)
        if known is None and previous is not None:
            known = previous.leverage
        if known is None or known == position.leverage:
            return position
        return replace(position, leverage=known)
