"""Settling an order whose outcome is unknown, without ever sending it twice.

A new order whose answer is lost, or that the exchange answers "status unknown" (503 /
-1007) or with another 5xx, may execute at any later moment: the venue's docs put no bound
on when a backend that timed out carries the request out, and a client order id is unique
among *open* orders only, so a second copy of a market order whose first copy already
filled is not refused. A query that answers "does not exist" proves nothing about a moment
later. The order is therefore sent again only with proof that the first copy can no longer
execute:

- v3 (EIP-712): `POST /fapi/v3/noop` signed with the first copy's nonce. A nonce is
  accepted once per user, so whichever request is processed first spends it. A noop that
  succeeds spent it: the first copy, should it still come out of the queue, is refused as
  a reused nonce and can never execute; the order is then sent again with a new nonce (the
  same client order id). A noop refused as a reused nonce (-4225) means the first copy was
  processed: it is looked up by its client order id, and never sent again.
- v1 (HMAC) and Binance have no such proof: the order is only looked up.

Without proof, and while the lookups do not find it, `OrderStatusUnknownError` is raised:
the caller learns the outcome is unknown, and the order is settled later by its client id
(the order manager keeps it as an unknown outcome over a long horizon: queries with
back-off, the user stream, and `allOrders`). See docs/architecture.md, "Exactly once".
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from execution.errors import (
    DuplicateOrderError,
    ExchangeError,
    ExchangeUnavailableError,
    ExecutionError,
    MismatchedAnswerError,
    NetworkError,
    OrderNotFoundError,
    OrderStatusUnknownError,
    RateLimitError,
)
from execution.exchange.parsing import MalformedResponseError
from execution.exchange.transport import ConnectionLostError
from execution.models import Order

logger = logging.getLogger(__name__)

# Errors after which a request may or may not have been carried out.
OUTCOME_UNKNOWN = (
    ConnectionLostError, OrderStatusUnknownError, ExchangeUnavailableError,
)
# Errors that say nothing about the order asked about (an answer about another order
# included): the question stays open.
_NO_ANSWER = (
    NetworkError, ExchangeUnavailableError, OrderStatusUnknownError, RateLimitError,
    MalformedResponseError, MismatchedAnswerError,
)
NONCE_SPENT = -4225  # v3: the nonce was already used (or is outside the window)
NOOP_ATTEMPTS = 3  # a noop whose own answer is lost is asked again (same nonce)
MAX_RESENDS = 3  # proof, send again, unknown again... at most this many times


class Proof(enum.Enum):
    """What a noop proved about the first copy of a request."""

    CANNOT_EXECUTE = "cannot execute"  # the noop spent the nonce first
    PROCESSED = "processed"  # the first copy spent it: it was processed
    NONE = "none"  # no answer, or no noop on this venue


async def prove(
    noop: Callable[[int], Awaitable[None]] | None,
    nonce: int | None,
    backoff: Callable[[int], float],
    sleep: Callable[[float], Awaitable[None]],
) -> Proof:
    """What a noop with `nonce` proves about the request first sent with it (one order, or
    a whole batch: one request, one nonce). `Proof.NONE` without a noop or a nonce."""
    if noop is None or nonce is None:
        return Proof.NONE
    for attempt in range(1, NOOP_ATTEMPTS + 1):
        try:
            await noop(nonce)
            return Proof.CANNOT_EXECUTE
        except ExchangeError as exc:
            if exc.code == NONCE_SPENT:
                # Spent by the first copy, or by an earlier noop whose answer was lost:
                # either way nothing may be sent again.
                return Proof.PROCESSED
            if not isinstance(exc, _NO_ANSWER):
                return Proof.NONE
        except _NO_ANSWER:
            pass
        await sleep(backoff(attempt))
    return Proof.NONE


@dataclass(slots=True)
class SentOrder:
    """The encoded parameters of a new order and the v3 nonce of its last copy sent."""

    encoded: str
    nonce: int | None = None


@dataclass(slots=True)
class OutcomeSettler:
    """Settles one order by its client id; see the module docstring for the policy.

    `query` looks the order up (OrderNotFoundError when absent); `resend` sends it again,
    updating `sent.nonce`; `noop` (v3 only, else None) sends a noop with a given nonce;
    `backoff(attempt)` is the pause before lookup `attempt`; `queries` bounds the lookups
    made here (the order manager goes on over its own, longer horizon); `sleep` waits (the
    client's `Clock.sleep`, so a test drives the schedule with a `ManualClock`).
    """

    client_order_id: str
    sent: SentOrder
    query: Callable[[], Awaitable[Order]]
    resend: Callable[[SentOrder], Awaitable[Order]]
    noop: Callable[[int], Awaitable[None]] | None
    backoff: Callable[[int], float]
    queries: int
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def settle(self, cause: ExecutionError) -> Order:
        """The order as the exchange has it, or sent again with proof; else raises
        `OrderStatusUnknownError` (nothing was sent again)."""
        last = cause
        for _ in range(MAX_RESENDS):
            proof = await self._prove()
            logger.warning("order %s: outcome unknown (%s); noop proof: %s",
                           self.client_order_id, type(last).__name__, proof.value)
            if proof is not Proof.CANNOT_EXECUTE:
                return await self._look_up(last, proof)
            found = await self._query_once()
            if found is not None:  # it was processed after all (the venue broke its word)
                return found
            logger.info("order %s: the first copy can no longer execute; sending again",
                        self.client_order_id)
            try:
                return await self.resend(self.sent)
            except DuplicateOrderError as exc:  # open on the exchange after all
                return await self._look_up(exc, Proof.PROCESSED)
            except (*OUTCOME_UNKNOWN, MalformedResponseError) as exc:
                last = exc  # the new copy's outcome is unknown in turn: prove again
        return await self._look_up(last, Proof.NONE)

    async def _prove(self) -> Proof:
        return await prove(self.noop, self.sent.nonce, self.backoff, self.sleep)

    async def _query_once(self) -> Order | None:
        try:
            return await self.query()
        except OrderNotFoundError:
            return None

    async def _look_up(self, cause: ExecutionError, proof: Proof) -> Order:
        """Look the order up with back-off; never send it again."""
        last = cause
        for attempt in range(1, self.queries + 1):
            await self.sleep(self.backoff(attempt))
            try:
                return await self.query()
            except OrderNotFoundError as exc:
                last = exc  # not (yet) there: a queued request may still come out
            except _NO_ANSWER as exc:
                last = exc  # rate limited, banned or unreadable: still open
        raise OrderStatusUnknownError(
            f"order {self.client_order_id}: outcome unknown and not sent again (no proof that "
            f"the first copy cannot execute; noop: {proof.value}); not found in {self.queries} "
            f"lookups ({type(last).__name__}: {last}); it is settled by its client order id",
            code=getattr(cause, "code", None),
            http_status=getattr(cause, "http_status", None),
        )
