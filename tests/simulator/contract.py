"""Helpers for the documented-contract tests: sample parameters for a documented endpoint,
a request signed the way its document says, and the comparison of an answer with the
JSON types of the docs' example response."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from execution.auth import Eip712Credentials
from execution.simulator.account_admin import TEMPLATES
from execution.simulator.accounts import new_wallet
from execution.simulator.endpoints import Router
from execution.venue_api import DocumentedEndpoint, JsonShape

_ROUTER = Router()

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
    route = _ROUTER.resolve(method, path)
    if route is not None and route.endpoint.self_signed:
        return await send_self_signed(client, documented, params)
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


async def send_self_signed(
    client: Any, documented: DocumentedEndpoint, params: dict[str, Any]
) -> Any:
    """Sign with the user's own wallet key over the docs' message (and, where the docs ask
    for one, a new sub-account wallet's `childSignature`), as account administration is."""
    account = client.account
    values = {k: str(v) for k, v in params.items()}
    values.update(nonce=str(client.next_nonce()), user=account.user, signer=account.signer)
    user_key = Eip712Credentials(account.user, None, account.user_private_key)
    template = TEMPLATES.get(documented.name)
    if template is None:
        values.pop("signer")
        message = urlencode(values)
    else:
        fields, optional, child_field = template
        if child_field:
            child_address, child_key = new_wallet()
            values[child_field] = child_address
        message = "&".join(f"{name}={values[name]}" for name in fields)
        message += "".join(f"&{name}={values[name]}" for name in optional if name in values)
        if child_field:
            child = Eip712Credentials(child_address, None, child_key).sign(message)
            values["childSignature"] = child
            message += f"&childSignature={child}"
    values["signature"] = user_key.sign(message)
    return await client.send(documented.method, documented.path, "", urlencode(values))


def user_signed(account: Any, values: dict[str, str], fields: tuple[str, ...],
                key: str | None = None, address: str | None = None) -> str:
    """The signature of `fields` of `values`, in that order, by the user's own key (or
    by `key`, the wallet `address`)."""
    message = "&".join(f"{name}={values[name]}" for name in fields if name in values)
    return Eip712Credentials(address or account.user, None,
                             key or account.user_private_key).sign(message)


async def create_sub_account(client: Any, name: str) -> tuple[str, str]:
    """A new sub-account of the client's user: (its address, its private key)."""
    account = client.account
    address, key = new_wallet()
    values = {"subAccountName": name, "subSourceAddr": address,
              "nonce": str(client.next_nonce()), "user": account.user,
              "signer": account.signer}
    fields = ("subAccountName", "subSourceAddr", "nonce", "user", "signer")
    values["childSignature"] = user_signed(account, values, fields, key, address)
    values["signature"] = user_signed(account, values, (*fields, "childSignature"))
    reply = await client.send("POST", "/fapi/v3/createSubAccount", "", urlencode(values))
    assert reply.body == {"code": 200, "msg": "success"}, reply.body
    return address, key


async def sub_account_transfer(client: Any, to_address: str, amount: str, *,
                               kind: str = "FUTURE_FUTURE", user: str | None = None,
                               key: str | None = None,
                               from_address: str | None = None) -> Any:
    """`subAccountTransfer` signed by `user` (the client's user by default) with `key`."""
    account = client.account
    values = {"toAccountAddress": to_address, "asset": "USDT", "amount": amount,
              "kindType": kind, "nonce": str(client.next_nonce()),
              "user": user or account.user, "signer": user or account.signer}
    fields = ("toAccountAddress", "asset", "amount", "kindType", "nonce", "user", "signer",
              "fromAccountAddress")
    if from_address is not None:
        values["fromAccountAddress"] = from_address
    values["signature"] = user_signed(account, values, fields, key, user)
    return await client.send("POST", "/fapi/v3/subAccountTransfer", "", urlencode(values))


async def migrate(client: Any, source: str, source_key: str) -> Any:
    """`asset/migrateUser` from `source` (signed with its key) to the client's account
    (named by the client's API wallet as `signer`)."""
    values = {"user": source, "nonce": str(client.next_nonce()),
              "signer": client.account.signer}
    values["signature"] = user_signed(client.account, values, tuple(values), source_key,
                                      source)
    return await client.send("POST", "/fapi/v3/asset/migrateUser", "", urlencode(values))
