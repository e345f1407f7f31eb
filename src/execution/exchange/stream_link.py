"""`StreamLink`: the REST calls and bookkeeping a `UserStream` needs from its client.

The listenKey requests, the resync after a gap (open orders now, plus the final state of
tracked orders that closed meanwhile) and the tracking of every order event before the
user's handler sees it. Given as callables to `UserStream`, which knows none of this.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from execution.errors import MismatchedAnswerError, OrderNotFoundError
from execution.exchange import endpoints as ep
from execution.exchange.base import UserEventHandler
from execution.exchange.order_desk import OrderDesk
from execution.exchange.parsing import MalformedResponseError
from execution.exchange.rest import RestClient
from execution.models import OrderUpdate, UserEvent

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
