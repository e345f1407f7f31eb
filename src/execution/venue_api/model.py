"""Typed records for the documented futures API and the loader of its JSON description."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

_DATA_FILE = "asterdex_futures.json"
SCALAR_TYPES = frozenset({"string", "number", "boolean", "null"})


@dataclass(frozen=True, slots=True)
class JsonShape:
    """The JSON type of a documented value.

    `kind` is a JSON type ("string", "number", "boolean", "null", "object", "array"),
    "tuple" (a fixed-position array such as a kline row) or "any_of" (the elements of one
    array differ, e.g. exchangeInfo's filters or a batch's orders and errors); `fields` is
    set for objects, `items` for arrays (None when the docs' example array is empty),
    `positions` for tuples and `variants` for any_of.
    """

    kind: str
    fields: tuple[tuple[str, JsonShape], ...] = ()
    items: JsonShape | None = None
    positions: tuple[str, ...] = ()
    variants: tuple[JsonShape, ...] = ()

    def field(self, name: str) -> JsonShape | None:
        for key, shape in self.fields:
            if key == name:
                return shape
        return None

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.fields)


@dataclass(frozen=True, slots=True)
class DocumentedParam:
    """One request parameter: name, the docs' type (STRING, DECIMAL, LONG, ENUM, ...)."""

    name: str
    type: str
    required: bool


@dataclass(frozen=True, slots=True)
class DocumentedEndpoint:
    """One documented REST endpoint.

    `auth` is the scheme the venue expects on it: "none", "api_key" (X-MBX-APIKEY only),
    "hmac" (v1 document) or "eip712" (v3 document). `weight` is None where the docs give
    a table by `limit` (depth, klines: `weight_by_limit`) rather than one number."""

    method: str
    path: str
    version: str
    doc: str
    section: str
    security: str
    auth: str
    weight: int | None
    weight_without_symbol: int | None  # when the docs weigh an all-symbols request apart
    weight_by_limit: tuple[tuple[int, int], ...]  # (limit upper bound, weight), ascending
    params: tuple[DocumentedParam, ...]
    response: JsonShape | None
    response_alternatives: tuple[JsonShape, ...]

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    @property
    def name(self) -> str:
        """The path after `/fapi/<version>/` (e.g. `ticker/24hr`)."""
        return self.path.split("/", 3)[3]

    def param(self, name: str) -> DocumentedParam | None:
        for param in self.params:
            if param.name == name:
                return param
        return None


@dataclass(frozen=True, slots=True)
class DocumentedStream:
    """A market stream (its names, e.g. `<symbol>@aggTrade`) or a user-data event."""

    doc: str
    section: str
    kind: str  # "market" | "user_data"
    names: tuple[str, ...]
    event: str | None
    payload: JsonShape


@dataclass(frozen=True, slots=True)
class DocumentedError:
    code: int
    name: str
    messages: tuple[str, ...]
    docs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DocsContradiction:
    """A point where the docs contradict themselves; the decision is in
    docs/venue-decisions.md under `id`."""

    id: str
    flag: str
    summary: str
    passages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VenueApi:
    """The whole description. `not_yet_served` lists the documented (method, path) pairs
    the simulator does not answer yet: the one place that gap is written down."""

    endpoints: tuple[DocumentedEndpoint, ...]
    streams: tuple[DocumentedStream, ...]
    errors: tuple[DocumentedError, ...]
    contradictions: tuple[DocsContradiction, ...]
    not_yet_served: frozenset[tuple[str, str]]
    # codes the simulator raises where the docs name a rule but give no code (each with
    # its reason in the JSON): the other place a gap is written down
    undocumented_error_codes: frozenset[int]
    # documented market streams (by name) and user-data events the simulator does not push
    streams_not_yet_served: frozenset[str]
    events_not_yet_served: frozenset[str]
    enums: dict[str, tuple[str, ...]]  # e.g. "timeInForce", "klineInterval"
    chain_id: int
    testnet_chain_id: int
    source_commit: str

    def endpoint(self, method: str, path: str) -> DocumentedEndpoint | None:
        return self._by_key().get((method, path))

    def error(self, code: int) -> DocumentedError | None:
        for error in self.errors:
            if error.code == code:
                return error
        return None

    @property
    def keys(self) -> frozenset[tuple[str, str]]:
        return frozenset(self._by_key())

    def _by_key(self) -> dict[tuple[str, str], DocumentedEndpoint]:
        return {e.key: e for e in self.endpoints}


def shape_from_json(raw: Any) -> JsonShape:
    """A `JsonShape` from the description's notation: a type name, {"object": {...}},
    {"array": shape | null}, {"tuple": [type, ...]} or {"anyOf": [shape, ...]}."""
    if isinstance(raw, str):
        if raw not in SCALAR_TYPES:
            raise ValueError(f"unknown JSON type {raw!r}")
        return JsonShape(raw)
    if isinstance(raw, dict) and "object" in raw:
        return JsonShape(
            "object", fields=tuple((k, shape_from_json(v)) for k, v in raw["object"].items())
        )
    if isinstance(raw, dict) and "array" in raw:
        items = raw["array"]
        return JsonShape("array", items=None if items is None else shape_from_json(items))
    if isinstance(raw, dict) and "tuple" in raw:
        return JsonShape("tuple", positions=tuple(str(t) for t in raw["tuple"]))
    if isinstance(raw, dict) and "anyOf" in raw:
        return JsonShape("any_of", variants=tuple(shape_from_json(v) for v in raw["anyOf"]))
    raise ValueError(f"not a shape: {raw!r}")


def _endpoint(raw: dict[str, Any]) -> DocumentedEndpoint:
    response = raw.get("response")
    return DocumentedEndpoint(
        method=raw["method"],
        path=raw["path"],
        version=raw["version"],
        doc=raw["doc"],
        section=raw["section"],
        security=raw["security"],
        auth=raw["auth"],
        weight=raw.get("weight"),
        weight_without_symbol=raw.get("weight_without_symbol"),
        weight_by_limit=tuple(
            (int(bound), int(weight)) for bound, weight in raw.get("weight_by_limit") or ()
        ),
        params=tuple(
            DocumentedParam(p["name"], p["type"], bool(p["required"])) for p in raw["params"]
        ),
        response=None if response is None else shape_from_json(response),
        response_alternatives=tuple(
            shape_from_json(r) for r in raw.get("response_alternatives", ())
        ),
    )


def _stream(raw: dict[str, Any]) -> DocumentedStream:
    return DocumentedStream(
        doc=raw["doc"], section=raw["section"], kind=raw["kind"], names=tuple(raw["names"]),
        event=raw.get("event"), payload=shape_from_json(raw["payload"]),
    )


@functools.cache
def load() -> VenueApi:
    """The description shipped with the package (read once, then cached)."""
    text = resources.files("execution.venue_api").joinpath(_DATA_FILE).read_text("utf-8")
    raw = json.loads(text)
    schemes = raw["auth_schemes"]
    return VenueApi(
        endpoints=tuple(_endpoint(e) for e in raw["endpoints"]),
        streams=tuple(_stream(s) for s in raw["streams"]),
        errors=tuple(
            DocumentedError(e["code"], e["name"], tuple(e["messages"]), tuple(e["docs"]))
            for e in raw["errors"]
        ),
        contradictions=tuple(
            DocsContradiction(c["id"], c["flag"], c["summary"], tuple(c["passages"]))
            for c in raw.get("contradictions", ())
        ),
        not_yet_served=frozenset(
            (m, p) for m, p in raw["simulator"]["not_yet_served"]
        ),
        undocumented_error_codes=frozenset(
            int(e["code"]) for e in raw["simulator"]["undocumented_error_codes"]
        ),
        streams_not_yet_served=frozenset(raw["simulator"]["streams_not_yet_served"]),
        events_not_yet_served=frozenset(raw["simulator"]["events_not_yet_served"]),
        enums={name: tuple(values) for name, values in raw["enums"].items()},
        chain_id=int(schemes["eip712"]["chain_id"]),
        testnet_chain_id=int(schemes["eip712"]["testnet_chain_id"]),
        source_commit=raw["source"]["commit"],
    )
