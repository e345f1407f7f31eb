"""The market WebSocket's live requests (SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS,
SET_PROPERTY, GET_PROPERTY), read with the docs' "Error Messages".

A request that breaks a rule is answered with the docs' error object, wrapped the way the
exchange sends it, `{"error": {"code": .., "msg": ..}, "id": ..}` (docs/venue-decisions.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
PROPERTIES = ("combined",)


class StreamRequestError(Exception):
    """A request the docs' error table refuses: its code and message."""

    def __init__(self, code: int, msg: str, request_id: int | None = None) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.request_id = request_id

    def answer(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "msg": self.msg}, "id": self.request_id}


@dataclass(frozen=True, slots=True)
class StreamRequest:
    """A valid request: its method, id and parameters."""

    method: str
    request_id: int
    params: tuple[Any, ...]


def _invalid(detail: str, request_id: int | None = None) -> StreamRequestError:
    return StreamRequestError(2, f"Invalid request: {detail}", request_id)


def parse_request(text: str) -> StreamRequest:
    """One client message as a request, or the docs' error for it."""
    try:
        message = json.loads(text)
    except json.JSONDecodeError as error:
        raise StreamRequestError(
            3, f"Invalid JSON: expected value at line {error.lineno} column {error.colno}"
        ) from None
    if not isinstance(message, dict):
        raise StreamRequestError(3, "Invalid JSON: expected value at line 1 column 1")
    if "method" not in message:
        raise _invalid(f"missing field `method` at line 1 column {len(text)}")
    request_id = message.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, int) or request_id < 0:
        raise _invalid("request ID must be an unsigned integer")
    method = message["method"]
    if method not in METHODS:
        expected = ", ".join(f"`{m}`" for m in METHODS)
        raise _invalid(f"unknown variant `{method}`, expected one of {expected} at line 1 "
                       "column 28", request_id)
    params = message.get("params")
    if params is None:
        params = []
    if not isinstance(params, list):
        raise _invalid("too many parameters", request_id)
    return _checked(method, request_id, tuple(params))


def _checked(method: str, request_id: int, params: tuple[Any, ...]) -> StreamRequest:
    if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
        if not all(isinstance(p, str) for p in params):
            raise _invalid("invalid stream", request_id)
    elif method == "LIST_SUBSCRIPTIONS":
        if params:
            raise _invalid("too many parameters", request_id)
    else:
        wanted = 2 if method == "SET_PROPERTY" else 1
        if len(params) > wanted:
            raise _invalid("too many parameters", request_id)
        if not params or not isinstance(params[0], str):
            raise _invalid("property name must be a string", request_id)
        if params[0] not in PROPERTIES:
            raise StreamRequestError(0, "Unknown property", request_id)
        if method == "SET_PROPERTY" and (len(params) < 2 or not isinstance(params[1], bool)):
            raise StreamRequestError(1, "Invalid value type: expected Boolean", request_id)
    return StreamRequest(method, request_id, params)
