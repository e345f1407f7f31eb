"""The ledger's rows: one fill of the account (`LedgerFill`) and one income record
(`LedgerIncome`), whichever way they were learnt (the user stream as it happened, or the
exchange's `userTrades` / `income` on a sync).

Every figure is a `Decimal`; a figure not known (yet) is None, never 0: a fill the stream
reported without its fee, say, shows its fee as unknown until a sync brings the
exchange's. A fill is one trade of the exchange's (`symbol`, `trade_id`); an income record
is one (`income_type`, `tran_id`), which the docs say is unique for a user.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TypeVar

from execution.exchange.account_history import AccountTrade, IncomeRecord

STREAM = "stream"  # `LedgerFill.source`: recorded live from the user stream
EXCHANGE = "exchange"  # learnt from the exchange's history (`userTrades`) on a sync
FUNDING_FEE = "FUNDING_FEE"
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class LedgerFill:
    """One fill: what traded, at what price, with its fee and the exchange's realised PnL.

    `side` is BUY or SELL, `position_side` BOTH (one-way mode), LONG or SHORT (hedge
    mode). `client_order_id` and `strategy` are the order's when the manager knows it."""

    symbol: str
    trade_id: int
    order_id: str
    side: str
    position_side: str
    price: Decimal
    quantity: Decimal
    commission: Decimal | None
    commission_asset: str | None
    realized_pnl: Decimal | None
    time: int  # ms since the epoch, the exchange's
    maker: bool | None = None
    client_order_id: str | None = None
    strategy: str | None = None
    source: str = STREAM

    @property
    def key(self) -> tuple[str, int]:
        """What makes a fill one: the exchange's trade id within its symbol."""
        return (self.symbol, self.trade_id)

    def merged(self, newer: LedgerFill) -> LedgerFill:
        """This fill with what `newer` (the same trade, learnt again) knows and it did not:
        a known figure is never replaced by an unknown one. The storage's upsert keeps
        the same rule (`COALESCE(new, old)` for the nullable columns)."""
        return replace(
            newer,
            commission=_first(newer.commission, self.commission),
            commission_asset=_first(newer.commission_asset, self.commission_asset),
            realized_pnl=_first(newer.realized_pnl, self.realized_pnl),
            maker=_first(newer.maker, self.maker),
            client_order_id=_first(self.client_order_id, newer.client_order_id),
            strategy=_first(self.strategy, newer.strategy),
            source=self.source,
        )


@dataclass(frozen=True, slots=True)
class LedgerIncome:
    """One income record of the account's (FUNDING_FEE, COMMISSION, REALIZED_PNL,
    TRANSFER, ...): `income` is signed (a fee paid or funding paid is negative)."""

    income_type: str
    tran_id: str
    symbol: str
    income: Decimal
    asset: str
    time: int
    trade_id: str = ""
    info: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """What makes a record one: its transaction id within its type (the docs)."""
        return (self.income_type, self.tran_id)


def _first(preferred: _T | None, fallback: _T | None) -> _T | None:
    return preferred if preferred is not None else fallback


def fill_from_trade(
    trade: AccountTrade, *, client_order_id: str | None = None, strategy: str | None = None
) -> LedgerFill:
    """A fill of the exchange's `userTrades` as a ledger row."""
    return LedgerFill(
        symbol=trade.symbol, trade_id=trade.trade_id, order_id=trade.order_id,
        side=trade.side.value, position_side=trade.position_side, price=trade.price,
        quantity=trade.quantity, commission=trade.commission,
        commission_asset=trade.commission_asset, realized_pnl=trade.realized_pnl,
        time=trade.time, maker=trade.maker, client_order_id=client_order_id,
        strategy=strategy, source=EXCHANGE,
    )


def income_from_record(record: IncomeRecord) -> LedgerIncome:
    """An entry of the exchange's `income` history as a ledger row."""
    return LedgerIncome(
        income_type=record.income_type, tran_id=record.tran_id, symbol=record.symbol,
        income=record.income, asset=record.asset, time=record.time,
        trade_id=record.trade_id, info=record.info,
    )
