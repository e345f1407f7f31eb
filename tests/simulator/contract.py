"""Helpers for the documented-contract tests: sample parameters for a documented endpoint,
a request signed the way its document says, and the comparison of an answer with the
JSON types of the docs' example response."""

from __future__ import annotations

from typing import Any

from execution.venue_api import DocumentedEndpoint, JsonShape

# a value for each required parameter the documented endpoints name (the docs' own types)
SAMPLE_VALUES: dict[str, str] = {
    "symbol": "BTCUSDT",
    "pair": "BTCUSDT",
    "interval": "1m",
    "limit": "5",
    "side": "BUY",
    "type": "MARKET",
    "quantity": "0.002",
    "leverage": "5",
    "marginType": "CROSSED",
    "amount": "1",
    "dualSidePosition": "false",
    "multiAssetsMargin": "false",
    "countdownTime": "0",
    "listenKey": "",
    "orderId": "1",
    "batchOrders": "[]",
    "orderIdList": "[1]",
}


def sample_params(documented: DocumentedEndpoint) -> dict[str, str]:
    """A value for every required documented parameter except the authentication ones."""
    skip = {"timestamp", "recvWindow", "signature", "user", "signer", "nonce"}
    return {
        p.name: SAMPLE_VALUES.get(p.name, "1")
        for p in documented.params
        if p.required and p.name not in skip
    }


async def send_documented(
    client: Any, documented: DocumentedEndpoint, params: dict[str, Any]
) -> Any:
    """Send `params` to the documented endpoint, authenticated as its document says."""
    method, path, auth = documented.method, documented.path, documented.auth
    if auth == "hmac":
        return await client.hmac(method, path, params)
    if auth == "eip712":
        return await client.v3(method, path, params)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    headers = {"X-MBX-APIKEY": client.account.api_key} if auth == "api_key" else {}
    if method == "GET":
        return await client.send(method, path, query, "", headers)
    return await client.send(method, path, "", query, headers)


def json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def mismatches(shape: JsonShape, value: Any, where: str = "") -> list[str]:
    """Every place `value` departs from the documented `shape`: a documented field that is
    missing, or a value of another JSON type ("null" in the docs matches anything)."""
    kind = json_kind(value)
    if shape.kind == "null":
        return []
    if shape.kind == "any_of":
        return min((mismatches(v, value, where) for v in shape.variants), key=len)
    if shape.kind == "tuple":
        if kind != "array":
            return [f"{where or '.'}: {kind}, documented array"]
        return [
            f"{where}[{i}]: {json_kind(v)}, documented {t}"
            for i, (t, v) in enumerate(zip(shape.positions, value, strict=False))
            if t != "null" and json_kind(v) != t
        ]
    if kind != shape.kind:
        return [f"{where or '.'}: {kind}, documented {shape.kind}"]
    found: list[str] = []
    if shape.kind == "object":
        for name, field_shape in shape.fields:
            if name not in value:
                found.append(f"{where}.{name}: missing")
            else:
                found += mismatches(field_shape, value[name], f"{where}.{name}")
    elif shape.kind == "array" and shape.items is not None:
        for i, item in enumerate(value[:3]):
            found += mismatches(shape.items, item, f"{where}[{i}]")
    return found


def best_mismatches(documented: DocumentedEndpoint, value: Any) -> list[str]:
    """Mismatches against the documented response, or against the alternative shape that
    fits best (e.g. the list answered when no symbol is given)."""
    shapes = [s for s in (documented.response, *documented.response_alternatives) if s]
    same_kind = [s for s in shapes if s.kind == json_kind(value)]
    results = [mismatches(shape, value) for shape in same_kind or shapes]
    return min(results, key=len) if results else []
