"""Round trips: a position from open to flat, per symbol and position side, from the fills.

Fills are taken in the exchange's order (time, then trade id). In one-way mode (position
side BOTH) a BUY adds and a SELL takes away; in hedge mode the LONG side opens with BUYs
and the SHORT side with SELLs. A fill that takes a one-way position through zero closes
the trip and opens the next with what is left of it (its fee split by quantity).

Gross PnL is what the prices made, `(exit cost - entry cost)` for a long (the other way
for a short), exact in Decimal; `realized_pnl` is the exchange's own figure (the sum of
the fills'). Net PnL is gross less the fees plus the funding received during the trip
(negative when paid). A figure the ledger does not know is None: the fees while a fill's
fee is unknown (or in another asset than the symbol's margin), the funding until the
income has been synced up to the trip's end, and so the net PnL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from execution.ledger.records import FUNDING_FEE, LedgerFill, LedgerIncome

ZERO = Decimal(0)
MARGIN_ASSETS = ("USDT", "USDC", "USD", "BUSD", "FDUSD", "USD1")


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """One position from open to flat (`closed_at` None: still open)."""

    symbol: str
    position_side: str
    direction: str  # LONG or SHORT
    quantity: Decimal  # the most the position held
    entry_price: Decimal
    exit_price: Decimal | None
    opened_at: int
    closed_at: int | None
    gross_pnl: Decimal | None
    realized_pnl: Decimal | None  # the exchange's, summed over the fills
    fees: Decimal | None
    fee_asset: str | None
    funding: Decimal | None  # received (+) or paid (-) while it was open
    net_pnl: Decimal | None
    strategy: str | None
    fills: int
    trade_ids: tuple[int, ...]

    @property
    def duration_ms(self) -> int | None:
        return None if self.closed_at is None else self.closed_at - self.opened_at

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(slots=True)
class _Open:
    """A trip being built."""

    symbol: str
    position_side: str
    sign: int  # +1 long, -1 short
    opened_at: int
    strategy: str | None
    held: Decimal = ZERO  # what the position holds now (unsigned)
    most: Decimal = ZERO
    entry_quantity: Decimal = ZERO
    entry_cost: Decimal = ZERO
    exit_quantity: Decimal = ZERO
    exit_cost: Decimal = ZERO
    fees: Decimal | None = ZERO
    fee_assets: set[str] = field(default_factory=set)
    realized: Decimal | None = ZERO
    trade_ids: list[int] = field(default_factory=list)

    def add_fee(self, fee: Decimal | None, asset: str | None) -> None:
        if fee is None or self.fees is None:
            self.fees = None
            return
        self.fees += fee
        if fee and asset:
            self.fee_assets.add(asset)

    def add_realized(self, value: Decimal | None) -> None:
        self.realized = None if value is None or self.realized is None else (
            self.realized + value)


# The part of a fee a flip carries into the next trip is rounded to this (the closing part
# is the rest, so the two add up to the fee exactly): an unrounded quotient has 28 digits,
# and sums of such parts over many trips lose their last digits to the context's precision.
FEE_SPLIT_QUANTUM = Decimal("1e-12")


def _order(fill: LedgerFill) -> tuple[int, int]:
    return (fill.time, fill.trade_id)


def _signed(fill: LedgerFill) -> int:
    return 1 if fill.side == "BUY" else -1


def build_round_trips(
    fills: Iterable[LedgerFill],
    income: Iterable[LedgerIncome] = (),
    *,
    funding_known_until: int | None = None,
) -> list[RoundTrip]:
    """Every round trip the fills make, oldest first, with the funding of `income`
    (FUNDING_FEE records) booked to the trip of that symbol open at the time (when exactly
    one is). `funding_known_until` (ms): the income is complete up to then (a sync's
    mark); a trip not over by then has its funding unknown."""
    trips: list[RoundTrip] = []
    building: dict[tuple[str, str], _Open] = {}
    for fill in sorted(fills, key=_order):
        _apply(fill, building, trips)
    for trip in building.values():
        trips.append(_finish(trip, None))
    trips.sort(key=lambda t: (t.opened_at, t.symbol, t.position_side))
    return _with_funding(trips, income, funding_known_until)


def _apply(fill: LedgerFill, building: dict[tuple[str, str], _Open],
           trips: list[RoundTrip]) -> None:
    key = (fill.symbol, fill.position_side)
    sign = _signed(fill)
    if fill.position_side == "LONG":
        opens_with = 1
    elif fill.position_side == "SHORT":
        opens_with = -1
    else:
        opens_with = sign
    trip = building.get(key)
    if trip is None:
        trip = building[key] = _Open(fill.symbol, fill.position_side, opens_with, fill.time,
                                     fill.strategy)
    quantity = fill.quantity
    if sign == trip.sign:
        _enter(trip, fill, quantity, fill.commission)
        return
    closing = min(quantity, trip.held)
    rest = quantity - closing
    # A fill through zero: its fee split by quantity, the two parts adding up to it exactly.
    fee = fill.commission
    rest_fee = None if fee is None else (
        (fee * rest / quantity).quantize(FEE_SPLIT_QUANTUM) if rest else Decimal(0))
    if closing > 0:
        trip.exit_quantity += closing
        trip.exit_cost += fill.price * closing
        trip.held -= closing
        trip.add_fee(None if fee is None or rest_fee is None else fee - rest_fee,
                     fill.commission_asset)
        trip.add_realized(fill.realized_pnl)  # the exchange's PnL is the closing part's
        trip.trade_ids.append(fill.trade_id)
    if trip.held == 0:
        trips.append(_finish(trip, fill.time))
        del building[key]
    if rest > 0 and fill.position_side == "BOTH":
        new = building[key] = _Open(fill.symbol, fill.position_side, sign, fill.time,
                                    fill.strategy)
        _enter(new, fill, rest, rest_fee, realized=False)


def _enter(trip: _Open, fill: LedgerFill, quantity: Decimal, fee: Decimal | None,
           *, realized: bool = True) -> None:
    trip.entry_quantity += quantity
    trip.entry_cost += fill.price * quantity
    trip.held += quantity
    trip.most = max(trip.most, trip.held)
    trip.add_fee(fee, fill.commission_asset)
    if realized:
        trip.add_realized(fill.realized_pnl)
    trip.trade_ids.append(fill.trade_id)
    if trip.strategy is None:
        trip.strategy = fill.strategy


def _fee_asset(trip: _Open) -> tuple[Decimal | None, str | None]:
    """The fees in the symbol's margin asset, or unknown (None) when some fee is unknown
    or paid in another asset."""
    if trip.fees is None or len(trip.fee_assets) > 1:
        return None, None
    asset = next(iter(trip.fee_assets), None)
    if asset is None:
        return trip.fees, _margin_asset(trip.symbol)
    if asset != _margin_asset(trip.symbol):
        return None, asset
    return trip.fees, asset


def _margin_asset(symbol: str) -> str | None:
    return next((a for a in MARGIN_ASSETS if symbol.endswith(a)), None)


def _finish(trip: _Open, closed_at: int | None) -> RoundTrip:
    entry_price = trip.entry_cost / trip.entry_quantity if trip.entry_quantity else ZERO
    exit_price = trip.exit_cost / trip.exit_quantity if trip.exit_quantity else None
    gross = None
    if closed_at is not None:
        gross = (trip.exit_cost - trip.entry_cost) * trip.sign
    fees, fee_asset = _fee_asset(trip)
    return RoundTrip(
        symbol=trip.symbol, position_side=trip.position_side,
        direction="LONG" if trip.sign > 0 else "SHORT", quantity=trip.most,
        entry_price=entry_price, exit_price=exit_price, opened_at=trip.opened_at,
        closed_at=closed_at, gross_pnl=gross, realized_pnl=trip.realized, fees=fees,
        fee_asset=fee_asset, funding=None, net_pnl=None, strategy=trip.strategy,
        fills=len(trip.trade_ids), trade_ids=tuple(trip.trade_ids),
    )


def _with_funding(trips: list[RoundTrip], income: Iterable[LedgerIncome],
                  known_until: int | None) -> list[RoundTrip]:
    funding: dict[int, Decimal] = {}
    for record in income:
        if record.income_type != FUNDING_FEE:
            continue
        holding = [i for i, t in enumerate(trips) if t.symbol == record.symbol
                   and t.opened_at <= record.time
                   and (t.closed_at is None or record.time <= t.closed_at)]
        if len(holding) == 1:
            funding[holding[0]] = funding.get(holding[0], ZERO) + record.income
    result = []
    for index, trip in enumerate(trips):
        end = trip.closed_at if trip.closed_at is not None else trip.opened_at
        paid = funding.get(index, ZERO) if known_until is not None and known_until >= end else (
            None)
        net = None
        if trip.gross_pnl is not None and trip.fees is not None and paid is not None:
            net = trip.gross_pnl - trip.fees + paid
        result.append(replace(trip, funding=paid, net_pnl=net))
    return result
