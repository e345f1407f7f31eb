"""Which requests the faults hit, and what the client sent about those orders afterwards.

`RequestTagger` is installed before the simulator starts: it wraps the fault controller's
`take_failure`/`take_drop` (the server asks them while it handles a request) and replaces the
request log with one that, on the next entry after a fault was taken (the same request: the
server logs it before it awaits anything), notes the order's client id under the fault kind
the injector armed. From then on it counts, per noted client id, the new-order requests
(re-sends) and the order queries the client made. `outcomes()` tells, per fault kind, what
became of those orders: executed once, never, or more than once (a duplicate).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.soak.config import SECOND_PREFIX, FaultKind
from execution.simulator import SimulatedExchange
from execution.simulator.server import RequestRecord


@dataclass(slots=True)
class Hit:
    """One request a fault hit: the order it was about and what followed."""

    kind: FaultKind
    method: str
    client_order_id: str
    sends: int = 0  # POST order with this client id after the fault (re-sends)
    queries: int = 0  # GET order by this client id after the fault


@dataclass(slots=True)
class KindOutcome:
    """What became of the orders one fault kind hit."""

    hits: int = 0
    counts: Counter[str] = field(default_factory=Counter)


class _TaggingLog(deque[RequestRecord]):
    def __init__(self, tagger: RequestTagger, maxlen: int) -> None:
        super().__init__(maxlen=maxlen)
        self.tagger = tagger

    def append(self, record: RequestRecord) -> None:
        super().append(record)
        self.tagger.observe(record)


def _client_id(record: RequestRecord) -> str:
    params = record.params
    return params.get("newClientOrderId") or params.get("origClientOrderId") or ""


def _is_order(record: RequestRecord) -> bool:
    return record.path.rstrip("/").endswith("/order")


class RequestTagger:
    """Notes the orders the armed fault kinds hit; see the module docstring."""

    def __init__(self, sim: SimulatedExchange) -> None:
        self.armed: FaultKind | None = None
        self.hits: list[Hit] = []
        self._by_client_id: dict[str, list[Hit]] = {}
        self._pending: FaultKind | None = None
        self.on_hit: Callable[[Hit], None] | None = None  # called on each new hit
        faults = sim.faults
        take_failure, take_drop = faults.take_failure, faults.take_drop

        def tagged_failure(method: str, endpoint: str, path: str) -> Any:
            failure = take_failure(method, endpoint, path)
            if failure is not None:
                self._pending = self.armed
            return failure

        def tagged_drop(method: str, endpoint: str, path: str) -> bool:
            dropped = take_drop(method, endpoint, path)
            if dropped:
                self._pending = self.armed
            return dropped

        setattr(faults, "take_failure", tagged_failure)  # noqa: B010 (an instance wrap)
        setattr(faults, "take_drop", tagged_drop)  # noqa: B010
        sim.request_log = _TaggingLog(self, sim.request_log.maxlen or 10_000)

    def arm(self, kind: FaultKind) -> None:
        """The next fault taken is of `kind`."""
        self.armed = kind

    def observe(self, record: RequestRecord) -> None:
        kind, self._pending = self._pending, None
        if not _is_order(record):
            return
        client_order_id = _client_id(record)
        if not client_order_id:
            return
        if kind is not None:
            hit = Hit(kind, record.method, client_order_id)
            self.hits.append(hit)
            self._by_client_id.setdefault(client_order_id, []).append(hit)
            if self.on_hit is not None:
                self.on_hit(hit)
            return
        for hit in self._by_client_id.get(client_order_id, ()):
            if record.method == "POST":
                hit.sends += 1
            elif record.method == "GET":
                hit.queries += 1

    def hit_ids(self) -> dict[FaultKind, set[str]]:
        """The client order ids each kind hit."""
        ids: dict[FaultKind, set[str]] = {}
        for hit in self.hits:
            ids.setdefault(hit.kind, set()).add(hit.client_order_id)
        return ids

    def outcomes(
        self, ledger: Callable[[str], int], manager_status: Callable[[str], str | None]
    ) -> dict[FaultKind, KindOutcome]:
        """Per kind: how many orders it hit and, for new orders, what became of them."""
        result: dict[FaultKind, KindOutcome] = {}
        for hit in self.hits:
            outcome = result.setdefault(hit.kind, KindOutcome())
            outcome.hits += 1
            if hit.method != "POST":
                outcome.counts[f"{hit.method.lower()} hit"] += 1
                continue
            created = ledger(hit.client_order_id)
            executed = {0: "never executed", 1: "executed once"}.get(
                created, f"DUPLICATED (executed {created}x)"
            )
            outcome.counts[executed] += 1
            outcome.counts["re-sent" if hit.sends else "not re-sent"] += 1
            if hit.queries:
                outcome.counts["queried by client id"] += 1
            if hit.client_order_id.startswith(SECOND_PREFIX + "-"):
                outcome.counts["the second process's order"] += 1
                continue
            status = manager_status(hit.client_order_id)
            outcome.counts[f"manager: {status or 'unknown to it'}"] += 1
        return result
