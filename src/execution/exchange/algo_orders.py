"""`AlgoOrders`: conditional orders on a venue that takes them only through its algo-order
API (Binance USDⓈ-M since 2025-12-09), behind the same calls as any order.

- A stop, take-profit or trailing stop goes out as `POST /fapi/v1/algoOrder` under its
  client order id (`clientAlgoId`), sent once: a lost or unknown answer is settled by
  looking it up by that id (Binance has no proof that a request can no longer execute,
  so it is never sent again; `outcome.OutcomeSettler`).
- Until it triggers the order is known by its algo id; after the trigger the actual order
  (same client id, its own order id) is an ordinary order: lookups read it, and
  `Order.algo_id` keeps the algo id, so the order manager takes the actual id over.
- A lookup or cancel by client id tries where the order is last known to be (the algo
  service for an untriggered algo order, the matching engine otherwise) and then the other;
  open orders, order history and cancel-all cover both kinds.

The desk knows no client class: `OrderDesk` hands it its regular requests as callables.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable

from execution.errors import (
    ExchangeError,
    ExecutionError,
    MismatchedAnswerError,
    OrderNotFoundError,
    TimestampError,
)
from execution.exchange import algo_endpoints as aep
from execution.exchange import endpoints as ep
from execution.exchange.algo_parsing import (
    TRIGGERED,
    actual_order_id,
    algo_params,
    algo_status,
    parse_algo_order,
    parse_algo_orders,
)
from execution.exchange.order_request import OrderRequest, check_answer, check_client_order_id
from execution.exchange.outcome import OUTCOME_UNKNOWN, OutcomeSettler, SentOrder
from execution.exchange.parsing import MalformedResponseError
from execution.exchange.rest import Params, RestClient
from execution.exchange.signing import encode_params
from execution.exchange.tracked import TrackedOrders
from execution.models import Order, OrderStatus, OrderUpdate, UserEvent

logger = logging.getLogger(__name__)

# (symbol, order id, client order id) -> the order, from the regular endpoints
OrderCall = Callable[[str, str | None, str | None], Awaitable[Order]]
# (send one cancel request, look the order up after a lost answer) -> the cancelled order
CancelRepeat = Callable[
    [Callable[[], Awaitable[Order]], Callable[[], Awaitable[Order]]], Awaitable[Order]
]


class AlgoOrders:
    """Place, look up, list and cancel orders where conditional ones are algo orders."""

    def __init__(
        self,
        *,
        rest: RestClient,
        tracked: TrackedOrders,
        fetch_regular: OrderCall,
        cancel_regular: OrderCall,
        repeat_cancel: CancelRepeat,
        resync: Callable[[], Awaitable[object]],
    ) -> None:
        self.rest = rest
        self.tracked = tracked
        self._fetch_regular = fetch_regular
        self._cancel_regular = cancel_regular
        self._repeat_cancel = repeat_cancel
        self._resync = resync
        # client order id -> algo id, of the algo orders seen; and those seen triggered
        self._algo_ids: dict[str, str] = {}
        self._triggered: set[str] = set()

    # -- what the desk knows -----------------------------------------------------------------

    def remember(self, order: Order) -> Order:
        """Note `order`'s algo id (and whether it triggered); `order` given back, with the
        algo id when the client id is a known algo order's."""
        client_id = order.client_order_id
        if order.algo_id:
            self._algo_ids[client_id] = order.algo_id
        elif client_id in self._algo_ids:
            order = dataclasses.replace(order, algo_id=self._algo_ids[client_id])
        if order.algo_id and order.order_id and order.order_id != order.algo_id:
            self._triggered.add(client_id)
        return order

    def on_event(self, event: UserEvent) -> UserEvent:
        """A user-stream event, an order's with its algo id when it is an algo order's."""
        if isinstance(event, OrderUpdate):
            order = self.remember(event.order)
            if order is not event.order:
                return dataclasses.replace(event, order=order)
        return event

    def _waiting(self, client_order_id: str | None) -> bool:
        """An algo order not seen triggered: the algo service is asked first."""
        return bool(client_order_id) and client_order_id in self._algo_ids and (
            client_order_id not in self._triggered
        )

    # -- placing -----------------------------------------------------------------------------

    async def place(self, request: OrderRequest) -> Order:
        """Send a validated conditional order once, as an algo order."""
        symbol = request.order.symbol
        client_id = request.order.client_order_id
        self.tracked.track(request.order)
        sent = SentOrder(encode_params(algo_params(request.params)))
        try:
            order = await self._send(sent)
        except (*OUTCOME_UNKNOWN, MalformedResponseError) as exc:
            order = await self._settle_unknown(symbol, client_id, sent, exc)
        except ExchangeError:
            self.tracked.forget(client_id)
            raise
        order = check_answer(order, symbol, None, client_id)
        return self.tracked.track(self.remember(order))

    async def _send(self, sent: SentOrder) -> Order:
        """One `POST algoOrder`; a timestamp refused at the door (nothing processed)
        re-syncs the clock and signs anew."""
        try:
            data = await self.rest.send(aep.NEW_ALGO_ORDER, sent.encoded, 1, None)
        except TimestampError:
            await self._resync()
            data = await self.rest.send(aep.NEW_ALGO_ORDER, sent.encoded, 1, None)
        return parse_algo_order(data)

    async def _settle_unknown(
        self, symbol: str, client_order_id: str, sent: SentOrder, cause: ExecutionError
    ) -> Order:
        """Looked up by `clientAlgoId`, never sent again (no proof on this venue)."""
        settler = OutcomeSettler(
            client_order_id, sent,
            query=lambda: self.fetch_algo(symbol, None, client_order_id),
            resend=self._send, noop=None, backoff=self.rest.backoff,
            queries=self.rest.max_retries + 1, sleep=self.rest.clock.sleep,
        )
        return await settler.settle(cause)

    # -- looking up --------------------------------------------------------------------------

    async def fetch_algo(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order:
        """The order as the algo service has it; after a trigger, the actual order as the
        matching engine has it (with the algo id)."""
        params: Params = (
            [("clientAlgoId", check_client_order_id(client_order_id))] if client_order_id
            else [("algoId", order_id or "")]
        )
        data = await self.rest.request(aep.QUERY_ALGO_ORDER, params)
        algo = parse_algo_order(data)
        if algo.symbol != symbol or (client_order_id and algo.client_order_id != client_order_id):
            check_answer(algo, symbol, None, client_order_id)  # raises: another order
        actual = actual_order_id(data)
        if order_id and order_id not in (algo.algo_id, actual):
            check_answer(algo, symbol, order_id, None)  # raises: another order
        order = algo
        if actual and algo_status(data) in TRIGGERED:
            try:
                regular = await self._fetch_regular(symbol, actual, None)
                order = dataclasses.replace(regular, algo_id=algo.algo_id)
            except OrderNotFoundError:  # not in the matching engine's books yet
                order = dataclasses.replace(algo, order_id=actual)
        return self.tracked.track(self.remember(order))

    async def fetch(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order:
        """One order, wherever it is (see the module docstring)."""
        if self._waiting(client_order_id):
            try:
                return await self.fetch_algo(symbol, None, client_order_id)
            except OrderNotFoundError:
                pass
        try:
            return self.remember(await self._fetch_regular(symbol, order_id, client_order_id))
        except (OrderNotFoundError, MismatchedAnswerError) as exc:
            # not (or not yet, or under another id: the algo id) in the matching engine
            if isinstance(exc, MismatchedAnswerError) and not order_id:
                raise
            return await self.fetch_algo(symbol, order_id, client_order_id)

    # -- cancelling --------------------------------------------------------------------------

    async def cancel(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order:
        """Cancel one order where it is last known to be, else where it may be now."""
        algo_first = self._waiting(client_order_id)
        try:
            if algo_first:
                return await self.cancel_algo(symbol, order_id, client_order_id)
            return await self._cancel_regular(symbol, order_id, client_order_id)
        except OrderNotFoundError:
            if algo_first:  # triggered meanwhile: the actual order is a regular one now
                return await self._cancel_regular(symbol, order_id, client_order_id)
            return await self.cancel_algo(symbol, order_id, client_order_id)

    async def cancel_algo(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order:
        """`DELETE algoOrder`, repeated after a lost answer; the order as then queried."""
        known = self._algo_ids.get(client_order_id or "")
        params: Params = (
            [("clientAlgoId", check_client_order_id(client_order_id))] if client_order_id
            else [("algoId", known or order_id or "")]
        )
        encoded = encode_params(params)

        async def send() -> Order:
            await self.rest.send_once(aep.CANCEL_ALGO_ORDER, encoded,
                                      aep.CANCEL_ALGO_ORDER.weight)
            return await self.fetch_algo(
                symbol, None if client_order_id else known or order_id, client_order_id)

        order = await self._repeat_cancel(
            send, lambda: self.fetch_algo(symbol, order_id, client_order_id))
        if order.status is not OrderStatus.CANCELED:
            logger.info("algo order %s: %s after its cancel", client_order_id,
                        order.status.value)
        return order

    async def cancel_all(self, symbol: str) -> None:
        """Both kinds: the matching engine's orders and the algo service's."""
        await self.rest.request(ep.CANCEL_ALL_ORDERS, [("symbol", symbol)])
        await self.rest.request(aep.CANCEL_ALL_ALGO_ORDERS, [("symbol", symbol)])

    # -- listing -----------------------------------------------------------------------------

    def merge(self, regular: list[Order], algo: list[Order]) -> list[Order]:
        """Regular orders (with their algo ids) and the algo orders not among them."""
        for order in algo:
            self.remember(order)
        merged = [self.remember(order) for order in regular]
        seen = {order.client_order_id for order in merged}
        merged.extend(order for order in algo if order.client_order_id not in seen)
        return merged

    async def open_algo_orders(self, symbol: str | None) -> list[Order]:
        params: Params | None = [("symbol", symbol)] if symbol else None
        orders = parse_algo_orders(await self.rest.request(aep.OPEN_ALGO_ORDERS, params))
        return [order for order in orders if order.is_open]

    async def all_algo_orders(
        self, symbol: str, start_time: int | None, limit: int
    ) -> list[Order]:
        params: Params = [("symbol", symbol), ("limit", str(limit))]
        if start_time is not None:
            params.append(("startTime", str(start_time)))
        return parse_algo_orders(await self.rest.request(aep.ALL_ALGO_ORDERS, params))
