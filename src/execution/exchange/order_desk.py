"""`OrderDesk`: the order requests of one client, each sent at most as often as is safe.

A new order is sent once; a lost or "unknown" answer is settled by `outcome.OutcomeSettler`
(sent again only with a v3 noop's proof that the first copy cannot execute). A cancel is
repeated after a lost answer (a repeat that finds the order gone looks it up: an earlier
copy may have cancelled it). A modify is never repeated: the caller re-reads the order.
Every answer is checked against the order asked about (`check_answer`) and tracked.
On a venue whose conditional orders are algo orders (Binance) those go through
`algo_orders.AlgoOrders`, and lookups, cancels and listings cover both kinds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

from execution.errors import (
    ExchangeError,
    ExecutionError,
    OrderNotFoundError,
    TimestampError,
    ValidationError,
)
from execution.exchange import algo_endpoints as aep
from execution.exchange import endpoints as ep
from execution.exchange.algo_orders import AlgoOrders
from execution.exchange.clock import ServerClock
from execution.exchange.endpoints import AuthScheme
from execution.exchange.markets import Markets
from execution.exchange.order_request import (
    OrderRequest,
    build_order_request,
    check_answer,
    check_client_order_id,
    check_order_id,
)
from execution.exchange.outcome import OUTCOME_UNKNOWN, OutcomeSettler, SentOrder
from execution.exchange.parsing import MalformedResponseError, parse_order, parse_orders
from execution.exchange.rest import RETRYABLE, Params, RestClient
from execution.exchange.signing import encode_params
from execution.exchange.tracked import TrackedOrders
from execution.models import Order, OrderSide, OrderStatus, OrderType


def order_ref(symbol: str, order_id: str | None, client_order_id: str | None) -> Params:
    """The order named in a request: by client order id when it is known (ours are never
    reused, while an order id a restarted or reset exchange hands out again would name
    another order), else by order id. The answer is checked against both (`check_answer`)."""
    if client_order_id:
        check_client_order_id(client_order_id)
        return [("symbol", symbol), ("origClientOrderId", client_order_id)]
    if order_id:
        return [("symbol", symbol), ("orderId", check_order_id(order_id))]
    raise ValidationError("order_id", order_id, "order_id or client_order_id is required")


class OrderDesk:
    """New orders, cancels, modifies and order lookups over one `RestClient`.

    `resync` re-measures the server clock (after a refused timestamp or nonce); `prove`
    says whether an unknown outcome may be settled with a v3 noop (the venue has one, the
    credentials are v3, and the client allows it).
    """

    def __init__(
        self,
        *,
        rest: RestClient,
        markets: Markets,
        tracked: TrackedOrders,
        server_clock: ServerClock,
        resync: Callable[[], Awaitable[object]],
        prove: bool,
    ) -> None:
        self.rest = rest
        self.markets = markets
        self.tracked = tracked
        self.server_clock = server_clock
        self.prove = prove
        self._resync = resync
        self.algo: AlgoOrders | None = None
        if rest.has(aep.NEW_ALGO_ORDER):
            self.algo = AlgoOrders(
                rest=rest, tracked=tracked, fetch_regular=self.fetch_regular,
                cancel_regular=self.cancel_regular, repeat_cancel=self.repeat_cancel,
                resync=resync,
            )

    # -- new orders ------------------------------------------------------------------------

    async def place(self, request: OrderRequest) -> Order:
        """Send a validated order exactly once (see the module docstring)."""
        if self.algo is not None and request.order.order_type.is_conditional:
            return await self.algo.place(request)
        symbol = request.order.symbol
        client_id = request.order.client_order_id
        self.tracked.track(request.order)
        sent = SentOrder(encode_params(request.params))
        try:
            order = await self._send_new_order(sent)
        except (*OUTCOME_UNKNOWN, MalformedResponseError) as exc:
            # An unreadable answer came with a success status: the order exists; ask for it.
            order = await self._settle_unknown(symbol, client_id, sent, exc)
        except ExchangeError:
            self.tracked.forget(client_id)
            raise
        return self.tracked.track(order)

    def fresh_nonce(self) -> int | None:
        """The nonce for the next v3 request sent (None on v1: no nonce)."""
        if self.rest.scheme is AuthScheme.EIP712:
            return self.server_clock.next_nonce()
        return None

    async def _send_new_order(self, sent: SentOrder) -> Order:
        """Send a new order once, remembering its nonce; a nonce or timestamp refused at
        the door (-1021, -4225: nothing processed) re-syncs the clock and signs anew."""
        sent.nonce = self.fresh_nonce()
        try:
            data = await self.rest.send(ep.NEW_ORDER, sent.encoded, 1, sent.nonce)
        except TimestampError:
            await self._resync()
            sent.nonce = self.fresh_nonce()
            data = await self.rest.send(ep.NEW_ORDER, sent.encoded, 1, sent.nonce)
        return parse_order(data)

    @property
    def noop_proof(self) -> Callable[[int], Awaitable[None]] | None:
        """The noop that proves a request with a given nonce can no longer execute (v3,
        when the client allows it), else None: an unknown outcome is only looked up."""
        return self._noop if self.prove and self.rest.scheme is AuthScheme.EIP712 else None

    async def _noop(self, nonce: int) -> None:
        """`POST /fapi/v3/noop` with `nonce`: spends it if no request has yet."""
        data = await self.rest.send(ep.NOOP, "", ep.NOOP.weight, nonce)
        if not isinstance(data, dict) or data.get("code") not in (200, "200"):
            raise MalformedResponseError(f"noop: unexpected answer {data!r:.80}")

    async def _settle_unknown(
        self, symbol: str, client_order_id: str, sent: SentOrder, cause: ExecutionError
    ) -> Order:
        """The order may or may not exist: settled with proof (`outcome.OutcomeSettler`)."""
        query = [("symbol", symbol), ("origClientOrderId", client_order_id)]

        async def look_up() -> Order:
            answer = parse_order(await self.rest.request(ep.QUERY_ORDER, query))
            return check_answer(answer, symbol, None, client_order_id)

        settler = OutcomeSettler(
            client_order_id,
            sent,
            query=look_up,
            resend=self._send_new_order,
            noop=self.noop_proof,
            backoff=self.rest.backoff,
            queries=self.rest.max_retries + 1,
            sleep=self.rest.clock.sleep,
        )
        return await settler.settle(cause)

    # -- existing orders -------------------------------------------------------------------

    async def cancel(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order:
        """Cancel one order, repeated after a lost answer (see the module docstring)."""
        if self.algo is not None:
            return await self.algo.cancel(symbol, order_id, client_order_id)
        return await self.cancel_regular(symbol, order_id, client_order_id)

    async def cancel_regular(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order:
        """`DELETE order`, repeated after a lost answer."""
        encoded = encode_params(order_ref(symbol, order_id, client_order_id))

        async def send() -> Order:
            data = await self.rest.send_once(ep.CANCEL_ORDER, encoded, ep.CANCEL_ORDER.weight)
            order = check_answer(parse_order(data), symbol, order_id, client_order_id)
            return self.tracked.track(order)

        return await self.repeat_cancel(
            send, lambda: self.fetch(symbol, order_id, client_order_id))

    async def repeat_cancel(
        self, send: Callable[[], Awaitable[Order]], look_up: Callable[[], Awaitable[Order]]
    ) -> Order:
        """One cancel request, repeated after a lost answer; a repeat that finds the order
        gone looks it up (`look_up`): an earlier copy may have cancelled it."""
        lost = False
        attempt = 1
        while True:
            try:
                return await send()
            except OrderNotFoundError:
                if not lost:
                    raise
                # an earlier attempt may have cancelled it before its response was lost
                order = await look_up()
                if order.status is OrderStatus.CANCELED:
                    return order
                raise
            except RETRYABLE:
                lost = True
                if attempt >= self.rest.max_retries:
                    raise
            await self.rest.clock.sleep(self.rest.backoff(attempt))
            attempt += 1

    async def modify(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Decimal,
        price: Decimal,
        order_id: str | None,
        client_order_id: str | None,
    ) -> Order:
        """Change a resting LIMIT order's price and/or quantity (validated and rounded);
        sent once."""
        rules = self.markets.rules_for(symbol)
        symbol = rules.symbol
        request = build_order_request(rules, side, OrderType.LIMIT, quantity, price=price)
        wire = dict(request.params)
        params = order_ref(symbol, order_id, client_order_id)
        # the documented parameters only: PUT order takes no `side` (the venue's docs)
        params += [("quantity", wire["quantity"]), ("price", wire["price"])]
        data = await self.rest.send_once(ep.MODIFY_ORDER, encode_params(params), 1)
        order = check_answer(parse_order(data), symbol, order_id, client_order_id)
        return self.tracked.track(order)

    async def fetch(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order:
        """One order by client id (or order id); an algo order too where there are any."""
        if self.algo is not None:
            return await self.algo.fetch(symbol, order_id, client_order_id)
        return await self.fetch_regular(symbol, order_id, client_order_id)

    async def fetch_regular(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order:
        """`GET order`: the matching engine's order."""
        params = order_ref(symbol, order_id, client_order_id)
        order = parse_order(await self.rest.request(ep.QUERY_ORDER, params))
        return self.tracked.track(check_answer(order, symbol, order_id, client_order_id))

    async def open_orders(self, symbol: str | None) -> list[Order]:
        params = [("symbol", symbol)] if symbol else None
        orders = parse_orders(await self.rest.request(ep.OPEN_ORDERS, params))
        if self.algo is not None:
            orders = self.algo.merge(orders, await self.algo.open_algo_orders(symbol))
        for order in orders:
            self.tracked.track(order)
        return orders

    async def all_orders(self, symbol: str, start_time: int | None, limit: int) -> list[Order]:
        if not 1 <= limit <= 1000:
            raise ValidationError("limit", limit, "must be in 1..1000")
        params = [("symbol", symbol), ("limit", str(limit))]
        if start_time is not None:
            params.append(("startTime", str(start_time)))
        orders = parse_orders(await self.rest.request(ep.ALL_ORDERS, params))
        if self.algo is None:
            return orders
        return self.algo.merge(orders, await self.algo.all_algo_orders(symbol, start_time, limit))

    async def countdown_cancel_all(self, symbol: str, countdown_ms: int) -> None:
        if isinstance(countdown_ms, bool) or not isinstance(countdown_ms, int) or (
            countdown_ms < 0
        ):
            raise ValidationError("countdown_ms", countdown_ms, "a whole number of ms >= 0")
        await self.rest.request(
            ep.COUNTDOWN_CANCEL_ALL,
            [("symbol", symbol), ("countdownTime", str(countdown_ms))],
        )

    async def cancel_all(self, symbol: str) -> None:
        # The answer names no order: what each tracked order became (cancelled, or filled or
        # expired before the cancel landed) is the exchange's to say, in its events or when
        # it is queried. Nothing is marked here. Algo orders too, where there are any.
        if self.algo is not None:
            await self.algo.cancel_all(symbol)
            return
        await self.rest.request(ep.CANCEL_ALL_ORDERS, [("symbol", symbol)])
