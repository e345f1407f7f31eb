"""`StreamLink`: the REST calls and bookkeeping a `UserStream` needs from its client.

The listenKey requests, the resync after a gap (open orders now, plus the final state of
tracked orders that closed meanwhile) and the tracking of every order event before the
user's handler sees it. Given as callables to `UserStream`, which knows none of this.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import aiohttp

from execution.errors import MismatchedAnswerError, OrderNotFoundError
from execution.exchange import endpoints as ep
from execution.exchange.base import UserEventHandler
from execution.exchange.order_desk import OrderDesk
from execution.exchange.parsing import MalformedResponseError
from execution.exchange.rest import RestClient
from execution.exchange.user_stream import UserStream
from execution.models import OrderUpdate, UserEvent
from execution.timekeeping import Clock

logger = logging.getLogger(__name__)


class StreamLink:
    """listenKey calls, resync and event tracking for one client's user stream."""

    def __init__(
        self, *, rest: RestClient, desk: OrderDesk, now_ms: Callable[[], int]
    ) -> None:
        self.rest = rest
        self.desk = desk
        self.handler: UserEventHandler | None = None
        self._now_ms = now_ms

    def open_stream(
        self, handler: UserEventHandler, session: Callable[[], aiohttp.ClientSession],
        ws_url: str, clock: Clock,
    ) -> UserStream:
        """A `UserStream` fed through this link: its listenKey calls and resync are the
        link's, and every event reaches `handler` after the link tracked it."""
        self.handler = handler
        return UserStream(
            session=session, ws_url=ws_url, create_key=self.create_listen_key,
            keepalive_key=self.keepalive_listen_key, delete_key=self.delete_listen_key,
            resync=self.resync_orders, handler=self.on_user_event, clock=clock,
        )

    async def on_user_event(self, event: UserEvent) -> None:
        """Track an order event, then pass every event to the handler (an algo order's
        with its algo id, `AlgoOrders.on_event`)."""
        if self.desk.algo is not None:
            event = self.desk.algo.on_event(event)
        if isinstance(event, OrderUpdate):
            self.desk.tracked.track(event.order)
        handler = self.handler
        if handler is not None:
            result = handler(event)
            if result is not None:
                await result

    async def create_listen_key(self) -> str:
        data = await self.rest.request(ep.LISTEN_KEY_CREATE)
        key = data.get("listenKey") if isinstance(data, dict) else None
        if not isinstance(key, str) or not key:
            raise MalformedResponseError("listenKey: no key in the response")
        return key

    async def keepalive_listen_key(self, key: str) -> None:
        await self.rest.request(ep.LISTEN_KEY_KEEPALIVE)

    async def delete_listen_key(self, key: str) -> None:
        await self.rest.request(ep.LISTEN_KEY_DELETE)

    async def resync_orders(self) -> list[OrderUpdate]:
        """Open orders now, plus the final state of tracked orders that closed meanwhile."""
        desk = self.desk
        previously_open = desk.tracked.open_orders()
        open_orders = await desk.open_orders(None)
        open_ids = {order.client_order_id for order in open_orders}
        orders = list(open_orders)
        for known in previously_open:
            if known.client_order_id in open_ids:
                continue
            try:
                orders.append(await desk.fetch(known.symbol, None, known.client_order_id))
            except OrderNotFoundError:
                desk.tracked.forget(known.client_order_id)
            except MismatchedAnswerError as exc:
                # an answer about another order: not applied, and no reason to drop the rest
                logger.warning("resync: %s skipped (%s)", known.client_order_id, exc)
        now = self._now_ms()
        return [
            OrderUpdate(
                order=order,
                execution_type="RESYNC",
                event_time=now,
                transaction_time=order.updated_at,
                from_resync=True,
            )
            for order in orders
        ]
