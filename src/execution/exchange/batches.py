"""`BatchDesk`: up to 5 new orders, or up to 10 cancels, in one request (`batchOrders`).

Each leg is validated and rounded like a single order (`order_request.build_order_request`)
and carries a client order id; a local refusal (no legs, more than the venue takes, a
client id twice, a bad leg) raises before anything is sent. The answer is read leg by leg,
in the order sent (the venue's docs): an order, or that leg's error as the typed exception
of `error_map`.

Exactly once, leg by leg: a lost or "unknown" batch answer (503 / -1007, no response) is
one request with one nonce, settled as `outcome` settles one order. v3: a noop with the
batch's nonce that succeeds proves no leg can execute; every leg is looked up once (the
venue might break its word) and those not found are sent again, as a batch under a new
nonce with the same client ids. Otherwise (the noop says "processed", v1, no noop) each
leg is only looked up by its client order id, never sent again; a leg not found stays
unknown (`OrderStatusUnknownError` as its result). A leg the exchange itself answers
"unknown" (-1007 inside the list) or about another order is looked up the same way.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from execution.errors import (
    DuplicateOrderError,
    ExchangeError,
    ExecutionError,
    MismatchedAnswerError,
    NetworkError,
    OrderNotFoundError,
    TimestampError,
    ValidationError,
)
from execution.exchange import endpoints as ep
from execution.exchange.error_map import map_error
from execution.exchange.markets import MARK_FRESH_SECONDS
from execution.exchange.order_desk import OrderDesk
from execution.exchange.order_request import (
    OrderRequest,
    check_answer,
    check_client_order_id,
    check_order_id,
    request_for,
    speaks_v3,
)
from execution.exchange.outcome import (
    MAX_RESENDS,
    OUTCOME_UNKNOWN,
    OutcomeSettler,
    Proof,
    SentOrder,
    prove,
)
from execution.exchange.parsing import MalformedResponseError, parse_order
from execution.exchange.rest import RETRYABLE
from execution.exchange.signing import encode_params
from execution.intent import OrderIntent
from execution.models import Order, OrderStatus, OrderType, PositionSide
from execution.param_rules import BATCH_CALLBACK_RATE_MAX, CALLBACK_RATE_MAX

MAX_BATCH_ORDERS = 5  # POST batchOrders: "Max 5 orders"
MAX_BATCH_CANCELS = 10  # DELETE batchOrders: "max length 10"
# A leg answered with one of these was, or may yet be, carried out: it is looked up.
_LEG_UNKNOWN = (*OUTCOME_UNKNOWN, MalformedResponseError, MismatchedAnswerError)


@dataclass(frozen=True, slots=True)
class BatchLeg:
    """One order of a batch: the intent, its client order id (generated when None) and,
    in hedge mode, the position side."""

    intent: OrderIntent
    client_order_id: str | None = None
    position_side: PositionSide = PositionSide.BOTH


@dataclass(frozen=True, slots=True)
class LegResult:
    """What became of one leg: `order` (placed, found, cancelled) or `error` (refused by
    the exchange, or `OrderStatusUnknownError` when its outcome is still unknown). A
    cancel by order id that found no order names it by that id."""

    client_order_id: str
    order: Order | None = None
    error: ExecutionError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _json_list(values: Sequence[object]) -> str:
    # "encode the double quotes. No space after comma." (DELETE batchOrders)
    return json.dumps(list(values), separators=(",", ":"))


def _leg_error(item: object) -> ExchangeError | None:
    """The typed error of a leg answered `{"code": ..., "msg": ...}`, else None."""
    if isinstance(item, dict) and "code" in item and "orderId" not in item:
        code = item.get("code")
        number = code if isinstance(code, int) and not isinstance(code, bool) else None
        return map_error(400, number, str(item.get("msg", "")))
    return None


def read_answer(
    requests: Sequence[OrderRequest], answer: object, *, resent: bool
) -> dict[str, LegResult | ExecutionError]:
    """A `POST batchOrders` answer, leg by leg (the venue answers in the order sent): each
    leg's order or final error, or the error that leaves it open (an unknown outcome, an
    unreadable entry, an answer about another order), to be looked up by its client id.
    On a copy sent again, a duplicate client id means the first copy is open: looked up.
    A list of the wrong length is `MalformedResponseError` (the whole batch is unknown)."""
    if not isinstance(answer, list) or len(answer) != len(requests):
        raise MalformedResponseError(
            f"batchOrders: expected a list of {len(requests)} answers, got {answer!r:.80}")
    results: dict[str, LegResult | ExecutionError] = {}
    for request, item in zip(requests, answer, strict=True):
        order = request.order
        cid = order.client_order_id
        error = _leg_error(item)
        if error is not None:
            open_elsewhere = resent and isinstance(error, DuplicateOrderError)
            keep_open = isinstance(error, _LEG_UNKNOWN) or open_elsewhere
            results[cid] = error if keep_open else LegResult(cid, error=error)
            continue
        try:
            found = check_answer(parse_order(item), order.symbol, None, cid)
        except _LEG_UNKNOWN as exc:
            results[cid] = exc
            continue
        results[cid] = LegResult(cid, order=found)
    return results


class BatchDesk:
    """Batches over an `OrderDesk` (its REST client, markets, tracked orders, nonces and
    noop). `resync` re-measures the server clock; `guard()` refuses before anything is
    sent when trading is not allowed (mainnet without leave); `check_type(order_type)`
    refuses what the venue does not take."""

    def __init__(
        self,
        desk: OrderDesk,
        *,
        guard: Callable[[], None],
        check_type: Callable[[OrderType], None],
        resync: Callable[[], Awaitable[object]],
    ) -> None:
        self.desk = desk
        self._resync = resync
        self._guard = guard
        self._check_type = check_type

    # -- new orders ------------------------------------------------------------------------

    def build(self, legs: Sequence[BatchLeg]) -> list[OrderRequest]:
        """Validate and round every leg (raises `ValidationError` naming the leg)."""
        if not 1 <= len(legs) <= MAX_BATCH_ORDERS:
            raise ValidationError("orders", len(legs),
                                  f"a batch takes 1..{MAX_BATCH_ORDERS} orders")
        requests: list[OrderRequest] = []
        for index, leg in enumerate(legs):
            try:
                requests.append(self._build_leg(leg))
            except ValidationError as exc:
                raise ValidationError(f"orders[{index}].{exc.field}", exc.value,
                                      exc.rule) from exc
        ids = [request.order.client_order_id for request in requests]
        doubled = sorted({cid for cid in ids if ids.count(cid) > 1})
        if doubled:
            raise ValidationError("client_order_id", doubled[0],
                                  "appears more than once in the batch")
        return requests

    def _build_leg(self, leg: BatchLeg) -> OrderRequest:
        intent = leg.intent
        if leg.position_side is not PositionSide.BOTH:
            intent = replace(intent, position_side=leg.position_side)
        self._check_type(intent.order_type)
        if intent.callback_rate is not None and intent.callback_rate > BATCH_CALLBACK_RATE_MAX:
            raise ValidationError(
                "callback_rate", intent.callback_rate,
                f"must be at most {BATCH_CALLBACK_RATE_MAX} in a batch (Place Multiple "
                f"Orders; a single order takes up to {CALLBACK_RATE_MAX})")
        rest = self.desk.rest
        return request_for(self.desk.markets, intent, leg.client_order_id,
                           v3=speaks_v3(rest.profile.name, rest.scheme),
                           mark_age=MARK_FRESH_SECONDS)

    async def place(self, legs: Sequence[BatchLeg]) -> list[LegResult]:
        """Place up to 5 orders in one request; one result per leg, in order (see the
        module docstring for what happens when the answer is lost)."""
        self._guard()
        requests = self.build(legs)
        tracked = self.desk.tracked
        for request in requests:
            tracked.track(request.order)
        sent = self._encode(requests)
        try:
            results = read_answer(requests, await self._send(sent), resent=False)
        except (*OUTCOME_UNKNOWN, MalformedResponseError) as exc:
            results = await self._settle(requests, sent, exc)
        except ExchangeError:  # the whole batch refused: nothing was placed
            for request in requests:
                tracked.forget(request.order.client_order_id)
            raise
        return await self._resolve(requests, results)

    @staticmethod
    def _encode(requests: Sequence[OrderRequest]) -> SentOrder:
        legs = [dict(request.params) for request in requests]
        return SentOrder(encode_params([("batchOrders", _json_list(legs))]))

    async def _send(self, sent: SentOrder) -> object:
        """Send once with a fresh nonce; a nonce or timestamp refused at the door (nothing
        processed) re-syncs the clock and signs anew, as for one order."""
        desk = self.desk
        sent.nonce = desk.fresh_nonce()
        weight = ep.BATCH_ORDERS.weight
        try:
            return await desk.rest.send(ep.BATCH_ORDERS, sent.encoded, weight, sent.nonce)
        except TimestampError:
            await self._resync()
            sent.nonce = desk.fresh_nonce()
            return await desk.rest.send(ep.BATCH_ORDERS, sent.encoded, weight, sent.nonce)

    async def _settle(
        self, requests: Sequence[OrderRequest], sent: SentOrder, cause: ExecutionError
    ) -> dict[str, LegResult | ExecutionError]:
        """The whole batch's outcome is unknown: prove with its nonce, else look up."""
        desk = self.desk
        rest = desk.rest
        results: dict[str, LegResult | ExecutionError] = {}
        pending = list(requests)
        last = cause
        for _ in range(MAX_RESENDS):
            proof = await prove(desk.noop_proof, sent.nonce, rest.backoff, rest.clock.sleep)
            if proof is not Proof.CANNOT_EXECUTE:
                break
            still: list[OrderRequest] = []
            for request in pending:  # the venue might break its word: look once
                cid = request.order.client_order_id
                try:
                    found = await desk.fetch(request.order.symbol, None, cid)
                    results[cid] = LegResult(cid, order=found)
                except OrderNotFoundError:
                    still.append(request)
                except (ExchangeError, NetworkError) as exc:
                    results[cid] = exc  # unreadable now: looked up later, not sent
            pending = still
            if not pending:
                return results
            sent = self._encode(pending)
            try:
                results.update(read_answer(pending, await self._send(sent), resent=True))
                return results
            except (*OUTCOME_UNKNOWN, MalformedResponseError) as exc:
                last = exc  # the new copy's outcome is unknown in turn: prove again
            except ExchangeError as exc:  # refused as a whole: no leg was placed
                for request in pending:
                    cid = request.order.client_order_id
                    results[cid] = LegResult(cid, error=exc)
                    desk.tracked.forget(cid)
                return results
        for request in pending:
            results[request.order.client_order_id] = last
        return results

    async def _resolve(
        self, requests: Sequence[OrderRequest], results: dict[str, LegResult | ExecutionError]
    ) -> list[LegResult]:
        """Every leg left open is looked up by its client id (concurrently), never sent."""
        by_id = {request.order.client_order_id: request.order for request in requests}
        open_legs = {cid: cause for cid, cause in results.items()
                     if not isinstance(cause, LegResult)}
        found = await asyncio.gather(*(
            self._look_up(by_id[cid], cause) for cid, cause in open_legs.items()
        ))
        settled = {result.client_order_id: result for result in found}
        final: list[LegResult] = []
        tracked = self.desk.tracked
        for cid in by_id:
            result = results[cid]
            leg = result if isinstance(result, LegResult) else settled[cid]
            if leg.order is not None:
                tracked.track(leg.order)
            elif not isinstance(leg.error, OUTCOME_UNKNOWN):
                tracked.forget(cid)
            final.append(leg)
        return final

    async def _look_up(self, order: Order, cause: ExecutionError) -> LegResult:
        desk = self.desk
        cid = order.client_order_id

        async def query() -> Order:
            return await desk.fetch(order.symbol, None, cid)

        async def never(_: SentOrder) -> Order:  # pragma: no cover - no noop: never called
            raise AssertionError("a batch leg is never sent again without proof")

        settler = OutcomeSettler(
            cid, SentOrder(""), query=query, resend=never, noop=None,
            backoff=desk.rest.backoff, queries=desk.rest.max_retries + 1,
            sleep=desk.rest.clock.sleep,
        )
        try:
            return LegResult(cid, order=await settler.settle(cause))
        except ExchangeError as exc:
            return LegResult(cid, error=exc)

    # -- cancels ---------------------------------------------------------------------------

    async def cancel(
        self,
        symbol: str,
        *,
        client_order_ids: Sequence[str] = (),
        order_ids: Sequence[str] = (),
    ) -> list[LegResult]:
        """Cancel up to 10 orders of `symbol`, named by client order ids or by order ids
        (one kind); one result per order, in order. Repeated after a lost answer; an order
        a repeat finds gone is looked up (an earlier copy may have cancelled it)."""
        self._guard()
        symbol = self.desk.markets.check_symbol(symbol)
        if bool(client_order_ids) == bool(order_ids):
            raise ValidationError("client_order_ids", list(client_order_ids),
                                  "give client order ids or order ids (one kind)")
        named = list(client_order_ids or order_ids)
        if len(named) > MAX_BATCH_CANCELS:
            raise ValidationError("orders", len(named),
                                  f"a batch cancel takes 1..{MAX_BATCH_CANCELS} orders")
        if len(set(named)) != len(named):
            raise ValidationError("orders", named, "an order appears more than once")
        if client_order_ids:
            ids = [check_client_order_id(cid) for cid in client_order_ids]
            params = [("symbol", symbol), ("origClientOrderIdList", _json_list(ids))]
        else:
            ids = [check_order_id(oid) for oid in order_ids]
            params = [("symbol", symbol), ("orderIdList", _json_list([int(i) for i in ids]))]
        answer, lost = await self._send_cancel(encode_params(params))
        if not isinstance(answer, list) or len(answer) != len(ids):
            raise MalformedResponseError(
                f"batchOrders: expected a list of {len(ids)} answers, got {answer!r:.80}")
        by_client = bool(client_order_ids)
        return [
            await self._cancel_result(symbol, ref, item, by_client=by_client, lost=lost)
            for ref, item in zip(ids, answer, strict=True)
        ]

    async def _send_cancel(self, encoded: str) -> tuple[object, bool]:
        rest = self.desk.rest
        attempt = 1
        while True:
            try:
                return await rest.send_once(ep.CANCEL_BATCH, encoded, 1), attempt > 1
            except (*RETRYABLE, MalformedResponseError):
                if attempt >= rest.max_retries:
                    raise
            await rest.clock.sleep(rest.backoff(attempt))
            attempt += 1

    async def _cancel_result(
        self, symbol: str, ref: str, item: object, *, by_client: bool, lost: bool
    ) -> LegResult:
        desk = self.desk
        client_id, order_id = (ref, None) if by_client else (None, ref)
        error = _leg_error(item)
        try:
            if error is not None:
                raise error
            order = check_answer(parse_order(item), symbol, order_id, client_id)
        except OrderNotFoundError as exc:
            if not lost:
                return LegResult(ref, error=exc)
            try:  # an earlier copy may have cancelled it before its answer was lost
                order = await desk.fetch(symbol, order_id, client_id)
            except ExchangeError as lookup:
                return LegResult(ref, error=lookup)
            if order.status is not OrderStatus.CANCELED:
                return LegResult(ref, order=order, error=exc)
        except ExchangeError as exc:
            return LegResult(ref, error=exc)
        desk.tracked.track(order)
        return LegResult(order.client_order_id or ref, order=order)
