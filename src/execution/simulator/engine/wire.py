"""Rendering engine state in the exchange's JSON: its field names and string decimals."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from execution.simulator.engine.accounts import (
    MARGIN_ASSET,
    Account,
    Income,
    Position,
    Trade,
    money,
)
from execution.simulator.engine.market import Market, PublicTrade
from execution.simulator.engine.orders import ZERO, Order, OrderType


@lru_cache(maxsize=65536)
def fmt(value: Decimal) -> str:
    """A decimal as the exchange writes it: plain notation, no exponent, no trailing zeros."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def order(o: Order, *, with_time: bool = True) -> dict[str, Any]:
    """An order as `GET/POST/DELETE order` return it."""
    result: dict[str, Any] = {
        "orderId": o.order_id,
        "symbol": o.symbol,
        "status": o.status,
        "clientOrderId": o.client_order_id,
        "price": fmt(o.price),
        "avgPrice": fmt(money(o.avg_price)),
        "origQty": fmt(o.quantity),
        "executedQty": fmt(o.executed_qty),
        "cumQty": fmt(o.executed_qty),
        "cumQuote": fmt(money(o.cum_quote)),
        "timeInForce": o.time_in_force,
        "type": o.orig_type,
        "reduceOnly": o.reduce_only,
        "closePosition": o.close_position,
        "side": o.side,
        "positionSide": o.position_side,
        "stopPrice": fmt(o.stop_price),
        "workingType": o.working_type,
        "priceProtect": o.price_protect,
        "origType": o.orig_type,
        "priceMatch": "NONE",
        "selfTradePreventionMode": o.stp_mode or "NONE",
        "goodTillDate": 0,
        "updateTime": o.update_time,
    }
    if o.orig_type is OrderType.TRAILING_STOP_MARKET:
        result["activatePrice"] = fmt(o.activation_price or ZERO)
        result["priceRate"] = fmt(o.callback_rate or ZERO)
    if with_time:
        result["time"] = o.time
    return result


def order_trade_update(
    o: Order,
    execution_type: str,
    event_time: int,
    *,
    bids_notional: Decimal,
    asks_notional: Decimal,
    last_qty: Decimal = ZERO,
    last_price: Decimal = ZERO,
    trade_id: int = 0,
    commission: Decimal = ZERO,
    maker: bool = False,
    realized: Decimal = ZERO,
) -> dict[str, Any]:
    """The user-data `ORDER_TRADE_UPDATE` event for one change of an order."""
    data: dict[str, Any] = {
        "s": o.symbol,
        "c": o.client_order_id,
        "S": o.side,
        "o": o.type,
        "f": o.time_in_force,
        "q": fmt(o.quantity),
        "p": fmt(o.price),
        "ap": fmt(money(o.avg_price)),
        "sp": fmt(o.stop_price),
        "x": execution_type,
        "X": o.status,
        "i": o.order_id,
        "l": fmt(last_qty),
        "z": fmt(o.executed_qty),
        "L": fmt(last_price),
        "N": MARGIN_ASSET,
        "n": fmt(commission),
        "T": event_time,
        "t": trade_id,
        "b": fmt(money(bids_notional)),
        "a": fmt(money(asks_notional)),
        "m": maker,
        "R": o.reduce_only,
        "wt": o.working_type,
        "ot": o.orig_type,
        "ps": o.position_side,
        "cp": o.close_position,
        "rp": fmt(realized),
        "pP": o.price_protect,
        "si": 0,
        "ss": 0,
        "V": "NONE",
        "pm": "NONE",
        "gtd": 0,
    }
    if o.orig_type is OrderType.TRAILING_STOP_MARKET:
        data["AP"] = fmt(o.activation_price or ZERO)
        data["cr"] = fmt(o.callback_rate or ZERO)
    return {"e": "ORDER_TRADE_UPDATE", "E": event_time, "T": event_time, "o": data}


def account_position(account: Account, p: Position, mark: Decimal) -> dict[str, Any]:
    """One entry of `ACCOUNT_UPDATE.a.P`."""
    isolated = account.settings_for(p.symbol).isolated
    return {
        "s": p.symbol,
        "pa": fmt(p.amount),
        "ep": fmt(p.entry_price),
        "bep": fmt(p.entry_price),
        "cr": fmt(p.realized),
        "up": fmt(p.unrealized(mark)),
        "mt": "isolated" if isolated else "cross",
        "iw": fmt(p.isolated_wallet),
        "ps": p.position_side,
    }


def account_update(
    account: Account,
    reason: str,
    event_time: int,
    positions: list[dict[str, Any]],
) -> dict[str, Any]:
    """The user-data `ACCOUNT_UPDATE` event: the margin balance and the given positions."""
    balances = [
        {
            "a": asset,
            "wb": fmt(amount),
            "cw": fmt(account.cross_wallet() if asset == MARGIN_ASSET else amount),
            "bc": "0",
        }
        for asset, amount in account.balances.items()
    ]
    return {
        "e": "ACCOUNT_UPDATE",
        "E": event_time,
        "T": event_time,
        "a": {"m": reason, "B": balances, "P": positions},
    }


def trade(t: Trade) -> dict[str, Any]:
    """One entry of `userTrades`."""
    buyer = t.side == "BUY"
    return {
        "buyer": buyer,
        "commission": fmt(t.commission),
        "commissionAsset": MARGIN_ASSET,
        "id": t.trade_id,
        "maker": t.maker,
        "orderId": t.order_id,
        "price": fmt(t.price),
        "qty": fmt(t.quantity),
        "quoteQty": fmt(money(t.quote_qty)),
        "realizedPnl": fmt(t.realized_pnl),
        "side": t.side,
        "positionSide": t.position_side,
        "symbol": t.symbol,
        "time": t.time,
    }


def income(entry: Income) -> dict[str, Any]:
    return {
        "symbol": entry.symbol,
        "incomeType": entry.income_type,
        "income": fmt(entry.income),
        "asset": entry.asset,
        "info": entry.info,
        "time": entry.time,
        "tranId": str(entry.tran_id),  # a string in the docs' example
        "tradeId": entry.trade_id,
    }


def agg_trade_event(market: Market, trade: PublicTrade, now: int) -> dict[str, Any]:
    symbol = market.spec.symbol
    return {
        "stream": f"{symbol.lower()}@aggTrade",
        "data": {
            "e": "aggTrade",
            "E": now,
            "s": symbol,
            "a": trade.trade_id,
            "p": fmt(trade.price),
            "q": fmt(trade.quantity),
            "f": trade.trade_id,
            "l": trade.trade_id,
            "T": trade.time,
            "m": trade.buyer_is_maker,
        },
    }
