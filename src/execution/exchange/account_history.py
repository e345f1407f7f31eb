"""What the account did, as the exchange records it: its trades (`userTrades`: every fill
with its fee, fee asset and realised PnL) and its income (`income`: funding, commissions,
realised PnL, transfers and the rest). Read-only; every figure a `Decimal`, an absent one
an error naming the field (never a silent 0)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from execution.errors import ValidationError
from execution.exchange import endpoints as ep
from execution.exchange.base import BaseExchange
from execution.exchange.parsing import MalformedResponseError
from execution.exchange.rest import RestClient, rest_client_of
from execution.models import OrderSide
from execution.money import to_decimal
from execution.rules import normalize_symbol


@dataclass(frozen=True, slots=True)
class AccountTrade:
    """One fill of the account's."""

    symbol: str
    trade_id: int
    order_id: str
    side: OrderSide
    price: Decimal
    quantity: Decimal
    quote_quantity: Decimal
    commission: Decimal
    commission_asset: str
    realized_pnl: Decimal
    maker: bool
    time: int  # ms since the epoch, the exchange's
    position_side: str = "BOTH"  # BOTH (one-way mode), LONG or SHORT (hedge mode)


@dataclass(frozen=True, slots=True)
class IncomeRecord:
    """One entry of the account's income history (FUNDING_FEE, COMMISSION, REALIZED_PNL,
    TRANSFER, ...); `income` is signed (a fee paid is negative)."""

    symbol: str
    income_type: str
    income: Decimal
    asset: str
    time: int
    tran_id: str
    trade_id: str
    info: str


def _field(raw: dict[str, Any], name: str, what: str) -> Any:
    if name not in raw:
        raise MalformedResponseError(f"{what} without {name!r}: {raw!r}"[:300])
    return raw[name]


def _decimal(raw: dict[str, Any], name: str, what: str) -> Decimal:
    return to_decimal(str(_field(raw, name, what)), name)


def parse_trade(raw: Any) -> AccountTrade:
    if not isinstance(raw, dict):
        raise MalformedResponseError(f"a trade is not an object: {raw!r}"[:300])
    what = "a trade"
    return AccountTrade(
        symbol=str(_field(raw, "symbol", what)), trade_id=int(_field(raw, "id", what)),
        order_id=str(_field(raw, "orderId", what)), side=OrderSide(_field(raw, "side", what)),
        price=_decimal(raw, "price", what), quantity=_decimal(raw, "qty", what),
        quote_quantity=_decimal(raw, "quoteQty", what),
        commission=_decimal(raw, "commission", what),
        commission_asset=str(_field(raw, "commissionAsset", what)),
        realized_pnl=_decimal(raw, "realizedPnl", what), maker=bool(raw.get("maker")),
        time=int(_field(raw, "time", what)),
        position_side=str(raw.get("positionSide") or "BOTH"),
    )


def parse_income(raw: Any) -> IncomeRecord:
    if not isinstance(raw, dict):
        raise MalformedResponseError(f"an income record is not an object: {raw!r}"[:300])
    what = "an income record"
    return IncomeRecord(
        symbol=str(raw.get("symbol") or ""), income_type=str(_field(raw, "incomeType", what)),
        income=_decimal(raw, "income", what), asset=str(_field(raw, "asset", what)),
        time=int(_field(raw, "time", what)), tran_id=str(raw.get("tranId") or ""),
        trade_id=str(raw.get("tradeId") or ""), info=str(raw.get("info") or ""),
    )


def _window(start_time: int | None, end_time: int | None, limit: int, most: int
            ) -> list[tuple[str, str]]:
    if not 1 <= limit <= most:
        raise ValidationError("limit", limit, f"must be in 1..{most}")
    params = [("limit", str(limit))]
    if start_time is not None:
        params.append(("startTime", str(start_time)))
    if end_time is not None:
        params.append(("endTime", str(end_time)))
    return params


class AccountHistory:
    """The account's trades and income over one `RestClient`."""

    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    async def trades(
        self, symbol: str, *, start_time: int | None = None, end_time: int | None = None,
        limit: int = 500,
    ) -> list[AccountTrade]:
        """The account's fills of `symbol`, oldest first (the docs: at most 1000)."""
        params = [("symbol", normalize_symbol(symbol)),
                  *_window(start_time, end_time, limit, 1000)]
        answer = await self.rest.request(ep.USER_TRADES, params)
        return [parse_trade(raw) for raw in (answer if isinstance(answer, list) else [])]

    async def income(
        self, symbol: str | None = None, *, income_type: str | None = None,
        start_time: int | None = None, end_time: int | None = None, limit: int = 100,
    ) -> list[IncomeRecord]:
        """The account's income records, of one symbol and type or all (at most 1000)."""
        params: list[tuple[str, str]] = []
        if symbol is not None:
            params.append(("symbol", normalize_symbol(symbol)))
        if income_type is not None:
            params.append(("incomeType", income_type.upper()))
        params += _window(start_time, end_time, limit, 1000)
        answer = await self.rest.request(ep.INCOME, params)
        return [parse_income(raw) for raw in (answer if isinstance(answer, list) else [])]


def account_history_of(exchange: BaseExchange) -> AccountHistory:
    """The history reads of an exchange client that has a `RestClient`."""
    return AccountHistory(rest_client_of(exchange, "account history reads"))
