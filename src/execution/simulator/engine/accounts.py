"""Accounts: wallet balances, positions, margin and realised PnL.

All money is USDT-margined. The wallet balance moves by realised PnL, commission, funding
fees and liquidation clearance, each booked as income (so `wallet == start + Σ income`);
isolated margin is a part of the wallet
set aside for one position, so the cross wallet is the wallet less every isolated margin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from execution.simulator.engine.orders import ZERO, Order, PositionSide, Side, StpMode

MARGIN_ASSET = "USDT"
_MONEY = Decimal("0.00000001")


def money(value: Decimal) -> Decimal:
    """An amount rounded to 8 decimals, as the exchange keeps balances."""
    return value.quantize(_MONEY, rounding=ROUND_HALF_EVEN)


@dataclass(slots=True)
class Position:
    symbol: str
    position_side: PositionSide
    amount: Decimal = ZERO  # signed in one-way mode; LONG >= 0, SHORT <= 0 in hedge mode
    entry_price: Decimal = ZERO
    realized: Decimal = ZERO  # accumulated realised PnL ("cr")
    isolated_wallet: Decimal = ZERO
    update_time: int = 0

    def unrealized(self, mark: Decimal) -> Decimal:
        return money(self.amount * (mark - self.entry_price))

    def notional(self, mark: Decimal) -> Decimal:
        return self.amount * mark


@dataclass(slots=True)
class SymbolSettings:
    leverage: int
    isolated: bool = False


@dataclass(frozen=True, slots=True)
class Trade:
    trade_id: int
    order_id: int
    symbol: str
    side: Side
    position_side: PositionSide
    price: Decimal
    quantity: Decimal
    commission: Decimal
    realized_pnl: Decimal
    maker: bool
    time: int

    @property
    def quote_qty(self) -> Decimal:
        return self.price * self.quantity


@dataclass(frozen=True, slots=True)
class Income:
    tran_id: int
    symbol: str
    income_type: str
    income: Decimal
    asset: str
    info: str
    time: int
    trade_id: str


@dataclass(frozen=True, slots=True)
class FillOutcome:
    realized: Decimal
    commission: Decimal


@dataclass(slots=True)
class Account:
    """One account's state; the engine's indexes keep every lookup O(1)."""

    account_id: str
    balances: dict[str, Decimal]
    default_leverage: int
    dual_side: bool = False
    settings: dict[str, SymbolSettings] = field(default_factory=dict)
    positions: dict[tuple[str, PositionSide], Position] = field(default_factory=dict)
    orders_by_id: dict[int, Order] = field(default_factory=dict)
    orders_by_client: dict[str, Order] = field(default_factory=dict)  # latest with that id
    open_by_client: dict[str, Order] = field(default_factory=dict)
    open_orders: dict[str, dict[int, Order]] = field(default_factory=dict)  # symbol -> id -> order
    open_conditional: dict[str, int] = field(default_factory=dict)  # symbol -> count
    history: dict[str, list[Order]] = field(default_factory=dict)  # symbol -> by order id
    trades: dict[str, list[Trade]] = field(default_factory=dict)
    income: list[Income] = field(default_factory=list)
    reserved_margin: Decimal = ZERO
    open_notional: dict[str, list[Decimal]] = field(default_factory=dict)  # symbol -> [bid, ask]
    update_time: int = 0
    # the account-wide self-trade prevention mode ("Change STP Mode"); see venue-decisions
    stp_mode: StpMode = StpMode.EXPIRE_TAKER
    multi_assets: bool = False  # "Change Multi-Assets Mode"
    spot_balances: dict[str, Decimal] = field(default_factory=dict)  # the spot wallet

    # -- settings and positions -------------------------------------------------------------

    def settings_for(self, symbol: str) -> SymbolSettings:
        found = self.settings.get(symbol)
        if found is None:
            found = self.settings[symbol] = SymbolSettings(self.default_leverage)
        return found

    def position(self, symbol: str, position_side: PositionSide) -> Position:
        key = (symbol, position_side)
        found = self.positions.get(key)
        if found is None:
            found = self.positions[key] = Position(symbol, position_side)
        return found

    def open_positions(self) -> list[Position]:
        return [p for p in self.positions.values() if p.amount != 0]

    @property
    def wallet(self) -> Decimal:
        return self.balances.get(MARGIN_ASSET, ZERO)

    # -- margin -----------------------------------------------------------------------------

    def isolated_total(self) -> Decimal:
        return sum((p.isolated_wallet for p in self.positions.values()), ZERO)

    def cross_wallet(self) -> Decimal:
        return self.wallet - self.isolated_total()

    def cross_unrealized(self, marks: Mapping[str, Decimal]) -> Decimal:
        total = ZERO
        for position in self.positions.values():
            if position.amount and not self.settings_for(position.symbol).isolated:
                total += position.unrealized(marks[position.symbol])
        return total

    def total_unrealized(self, marks: Mapping[str, Decimal]) -> Decimal:
        return sum(
            (p.unrealized(marks[p.symbol]) for p in self.positions.values() if p.amount), ZERO
        )

    def position_initial_margin(self, position: Position, mark: Decimal) -> Decimal:
        leverage = self.settings_for(position.symbol).leverage
        return money(abs(position.notional(mark)) / leverage)

    def cross_initial_margin(self, marks: Mapping[str, Decimal]) -> Decimal:
        total = ZERO
        for position in self.positions.values():
            if position.amount and not self.settings_for(position.symbol).isolated:
                total += self.position_initial_margin(position, marks[position.symbol])
        return total

    def available_balance(self, marks: Mapping[str, Decimal]) -> Decimal:
        """What new orders may use: cross wallet + cross PnL − cross margin − order margin."""
        return (
            self.cross_wallet()
            + self.cross_unrealized(marks)
            - self.cross_initial_margin(marks)
            - self.reserved_margin
        )

    # -- fills ------------------------------------------------------------------------------

    def apply_fill(
        self,
        position: Position,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        fee_rate: Decimal,
        now: int,
    ) -> FillOutcome:
        """Move the position by a fill and book realised PnL and commission in the wallet."""
        settings = self.settings_for(position.symbol)
        signed = quantity * side.sign
        before = position.amount
        realized = ZERO
        opened = quantity
        if before != 0 and (before > 0) != (signed > 0):
            closed = min(quantity, abs(before))
            direction = 1 if before > 0 else -1
            realized = money(closed * (price - position.entry_price) * direction)
            opened = quantity - closed
            if settings.isolated and position.isolated_wallet:
                released = money(position.isolated_wallet * closed / abs(before))
                position.isolated_wallet -= released
            position.amount = before + closed * side.sign
            if position.amount == 0:
                position.entry_price = ZERO
                position.isolated_wallet = ZERO
        if opened > 0:
            held = abs(position.amount)
            position.entry_price = money(
                (held * position.entry_price + opened * price) / (held + opened)
            )
            position.amount += opened * side.sign
            if settings.isolated:
                position.isolated_wallet += money(opened * price / settings.leverage)
        commission = money(quantity * price * fee_rate)
        position.realized += realized
        position.update_time = now
        self.balances[MARGIN_ASSET] = self.wallet + realized - commission
        self.update_time = now
        return FillOutcome(realized, commission)
