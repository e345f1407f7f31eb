"""Binance's algo-order dialect: conditional orders held by an "algo service".

Since 2025-12-09 Binance USDⓈ-M takes STOP, STOP_MARKET, TAKE_PROFIT, TAKE_PROFIT_MARKET
and TRAILING_STOP_MARKET only through `POST /fapi/v1/algoOrder` (the order endpoint
answers -4120 STOP_ORDER_SWITCH_ALGO). An algo order has its own id (`algoId`) and client
id (`clientAlgoId`); it is invisible to the regular order endpoints until it triggers;
then the actual order goes to the matching engine with its own order id under the same
client id (`ALGO_UPDATE` TRIGGERING, TRIGGERED with `ai`, then the regular
`ORDER_TRADE_UPDATE`s), and `FINISHED` once the actual order has ended.

The desk keeps each algo order as an engine conditional order, so triggering (mark or last
price per `workingType`, trailing stops) is the engine's own; it only hides the waiting
ones from the regular endpoints and turns their events into `ALGO_UPDATE`s. Enabled by
`Engine.enable_algo_orders()` (`SimulatedExchange(dialect="binance")`). The details and
their sources: docs/venue-decisions.md, "Binance algo orders".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import count
from typing import Any

from execution.simulator.api import ApiError, EventListener
from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine.accounts import Account
from execution.simulator.engine.algo_wire import (
    ALGO_TYPE,
    AlgoRecord,
    AlgoStatus,
    algo_order,
    algo_update,
)
from execution.simulator.engine.order_params import OrderRequest, parse_order
from execution.simulator.engine.orders import Order, OrderType
from execution.simulator.engine.trading import TradingCore

Handler = Callable[[Account, p.Params], Any]

SWITCH_TO_ALGO = (
    -4120, "Order type not supported for this endpoint. Please use the Algo Order API "
    "endpoints instead.",
)
_CONDITIONAL = frozenset(t.value for t in OrderType if t.is_conditional)
# algo parameter -> the engine's order parameter of the same meaning
_RENAMED = {
    "triggerPrice": "stopPrice",
    "activatePrice": "activationPrice",  # the REST docs' name (ccxt sends it)
    "activationPrice": "activationPrice",  # the WebSocket API docs' name: both are taken
    "clientAlgoId": "newClientOrderId",
}
_DROPPED = frozenset({"algoType", "stopPrice", "newClientOrderId", "priceMatch"})
CANCEL_ALL_DONE = {"code": 200, "msg": "The operation of cancel all open order is done."}
_FIRST_ALGO_ID = 1_000_000_000


class AlgoDesk:
    """The algo endpoints, the regular endpoints' view without waiting algo orders, the
    -4120 gate and the `ALGO_UPDATE` events, over one trading core."""

    def __init__(self, core: TradingCore) -> None:
        self.core = core
        self._ids = count(_FIRST_ALGO_ID)
        self._by_algo_id: dict[int, AlgoRecord] = {}
        self._by_order_id: dict[int, AlgoRecord] = {}
        self._by_client: dict[tuple[str, str], AlgoRecord] = {}
        self._placing = False  # an algo placement is under way: the gate lets it through
        self._created: AlgoRecord | None = None
        self.handlers: dict[tuple[str, str], Handler] = {
            ("POST", "algoOrder"): self._new,
            ("GET", "algoOrder"): self._query,
            ("DELETE", "algoOrder"): self._cancel,
            ("GET", "openAlgoOrders"): self._open,
            ("GET", "allAlgoOrders"): self._all,
            ("DELETE", "algoOpenOrders"): self._cancel_all,
        }

    # -- wiring -------------------------------------------------------------------------------

    def gate(self, account: Account, request: OrderRequest) -> None:
        """Refuse a conditional order anywhere but the algo endpoint (-4120)."""
        if request.type.is_conditional and not self._placing:
            raise ApiError(*SWITCH_TO_ALGO)

    def regular_views(
        self, handlers: Mapping[tuple[str, str], Handler]
    ) -> dict[tuple[str, str], Handler]:
        """The regular order endpoints as Binance answers them: a waiting algo order is
        not an order of the matching engine (not found, not listed, not cancelled)."""
        return {
            ("GET", "order"): self._hiding(handlers[("GET", "order")], r.NO_SUCH_ORDER),
            ("GET", "openOrder"): self._hiding(handlers[("GET", "openOrder")], r.NO_SUCH_ORDER),
            ("DELETE", "order"): self._hiding(
                handlers[("DELETE", "order")], r.UNKNOWN_ORDER_CANCEL),
            ("GET", "openOrders"): self._listing(handlers[("GET", "openOrders")]),
            ("GET", "allOrders"): self._listing(handlers[("GET", "allOrders")]),
            ("DELETE", "allOpenOrders"): self._cancel_regular,
        }

    def listener(self, downstream: EventListener) -> EventListener:
        """`downstream` with a waiting algo order's events as `ALGO_UPDATE`s."""

        def listen(account_id: str | None, event: dict[str, Any]) -> None:
            record = None
            if account_id is not None and event.get("e") == "ORDER_TRADE_UPDATE":
                record = self._record_for(account_id, event["o"])
            if record is None:
                downstream(account_id, event)
            else:
                self._translate(record, event, downstream)

        return listen

    # -- events -------------------------------------------------------------------------------

    def _record_for(self, account_id: str, data: Mapping[str, Any]) -> AlgoRecord | None:
        order_id = data.get("i")
        if not isinstance(order_id, int):
            return None
        record = self._by_order_id.get(order_id)
        if record is None and self._placing and data.get("x") == "NEW":
            order = self.core.accounts[account_id].orders_by_id[order_id]
            record = AlgoRecord(next(self._ids), order)
            self._by_algo_id[record.algo_id] = record
            self._by_order_id[order.order_id] = record
            self._by_client[(account_id, order.client_order_id)] = record
            self._created = record
        return record

    def _translate(
        self, record: AlgoRecord, event: dict[str, Any], downstream: EventListener
    ) -> None:
        order = record.order
        account_id = order.account_id
        now = self.core.now()
        kind = event["o"].get("x")
        if not order.triggered:  # still in the algo service: its own events only
            status = {"NEW": AlgoStatus.NEW, "CANCELED": AlgoStatus.CANCELED,
                      "EXPIRED": AlgoStatus.EXPIRED}.get(kind)
            if status is not None:
                downstream(account_id, algo_update(record, status, now))
            return
        if not record.placed:
            if kind != "NEW":  # refused on its way to the matching engine
                record.refused = (
                    "Reduce Only reject" if order.reduce_only or order.close_position
                    else "Margin is insufficient."
                )
                downstream(account_id, algo_update(record, AlgoStatus.REJECTED, now))
                return
            record.trigger_time = now
            downstream(account_id, algo_update(record, AlgoStatus.TRIGGERING, now))
            record.placed = True
            downstream(account_id, algo_update(record, AlgoStatus.TRIGGERED, now))
        downstream(account_id, event)
        if not order.is_open:
            downstream(account_id, algo_update(record, AlgoStatus.FINISHED, now))

    # -- the regular endpoints ----------------------------------------------------------------

    def _waiting(self, order: Order | None) -> bool:
        record = self._by_order_id.get(order.order_id) if order is not None else None
        return record is not None and not record.placed

    def _hiding(self, handler: Handler, missing: tuple[int, str]) -> Handler:
        def answer(account: Account, params: p.Params) -> Any:
            symbol = p.text(params, "symbol")
            if symbol in self.core.specs:
                order = self.core.find(account, symbol, p.integer(params, "orderId"),
                                       p.text(params, "origClientOrderId"))
                if self._waiting(order):
                    raise r.error(missing)
            return handler(account, params)

        return answer

    def _listing(self, handler: Handler) -> Handler:
        def answer(account: Account, params: p.Params) -> Any:
            listed = handler(account, params)
            return [item for item in listed if not self._waiting(
                account.orders_by_id.get(item["orderId"]))]

        return answer

    def _cancel_regular(self, account: Account, params: p.Params) -> Any:
        """`DELETE allOpenOrders`: the matching engine's orders only (algo orders have
        `DELETE algoOpenOrders`)."""
        symbol = p.known_symbol(params, self.core.specs)
        for order in self.core.open_orders_in(account, symbol):
            if not self._waiting(order):
                self.core.cancel(account, order)
        return {"code": "200", "msg": CANCEL_ALL_DONE["msg"]}

    # -- the algo endpoints -------------------------------------------------------------------

    def _new(self, account: Account, params: p.Params) -> Any:
        if p.required(params, "algoType") != ALGO_TYPE:
            raise r.invalid_param("algoType")
        if p.required(params, "type") not in _CONDITIONAL:
            raise ApiError(*r.INVALID_TYPE)
        wanted = {k: v for k, v in params.items() if k not in _DROPPED and k not in _RENAMED}
        for name, engine_name in _RENAMED.items():
            if p.text(params, name) is not None:
                wanted[engine_name] = params[name]
        request = parse_order(wanted, self.core.specs)
        self._placing, self._created = True, None
        try:
            self.core.place(account.account_id, request)
        finally:
            self._placing = False
        record = self._created
        assert record is not None, "an accepted algo order is recorded by its NEW event"
        return algo_order(record)

    def _find(self, account: Account, params: p.Params, missing: tuple[int, str]) -> AlgoRecord:
        algo_id = p.integer(params, "algoId")
        client_id = p.text(params, "clientAlgoId")
        if algo_id is None and client_id is None:
            raise ApiError(-1102, "Param 'algoId' or 'clientAlgoId' must be sent, but both "
                           "were empty/null!")
        record = (self._by_algo_id.get(algo_id) if algo_id is not None
                  else self._by_client.get((account.account_id, client_id or "")))
        if record is None or record.order.account_id != account.account_id:
            raise r.error(missing)
        return record

    def _query(self, account: Account, params: p.Params) -> Any:
        return algo_order(self._find(account, params, r.NO_SUCH_ORDER))

    def _cancel(self, account: Account, params: p.Params) -> Any:
        record = self._find(account, params, r.UNKNOWN_ORDER_CANCEL)
        if not record.waiting:
            raise r.error(r.UNKNOWN_ORDER_CANCEL)
        self.core.cancel(account, record.order)
        return {"algoId": record.algo_id, "clientAlgoId": record.order.client_order_id,
                "code": "200", "msg": "success"}

    def _records(self, account: Account, symbol: str | None) -> list[AlgoRecord]:
        return [
            record for record in self._by_algo_id.values()
            if record.order.account_id == account.account_id
            and (symbol is None or record.order.symbol == symbol)
        ]

    def _open(self, account: Account, params: p.Params) -> Any:
        symbol = p.known_symbol(params, self.core.specs) if p.text(params, "symbol") else None
        return [algo_order(rec) for rec in self._records(account, symbol) if rec.waiting]

    def _all(self, account: Account, params: p.Params) -> Any:
        symbol = p.known_symbol(params, self.core.specs)
        start, end = p.integer(params, "startTime"), p.integer(params, "endTime")
        if start is not None and end is not None and start > end:
            raise ApiError(*r.START_AFTER_END)
        from_id = p.integer(params, "algoId") or 0
        found = [
            rec for rec in self._records(account, symbol)
            if rec.algo_id >= from_id
            and (start is None or rec.order.time >= start)
            and (end is None or rec.order.time <= end)
        ]
        return [algo_order(rec) for rec in found[-p.limit(params, 500, 1000):]]

    def _cancel_all(self, account: Account, params: p.Params) -> Any:
        symbol = p.known_symbol(params, self.core.specs)
        for record in self._records(account, symbol):
            if record.waiting:
                self.core.cancel(account, record.order)
        return dict(CANCEL_ALL_DONE)
