"""Turning request parameters into the exact, signed string that is sent.

The signed message is the URL-encoded parameter string as it goes on the wire; the
signature is appended as the last pair. v1 adds `recvWindow` and `timestamp` and an HMAC;
v3 adds `nonce` (µs, strictly increasing), `user` and `signer` and an EIP-712 signature.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

from execution.auth import EIP712_CHAIN_ID, Credentials, Eip712Credentials, HmacCredentials
from execution.exchange.clock import ServerClock
from execution.exchange.endpoints import AuthScheme

Params = Iterable[tuple[str, str]]
# what percent-encoding leaves as it is (RFC 3986 unreserved characters): sent unchanged
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")
# a whole `k=v&k=v` string of unreserved characters (and the separators)
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~=&-]*")

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def encode_params(params: Params) -> str:
    """`k=v&k=v` with every value percent-encoded (values are sent as given, in order).

    The usual case, every value plain (symbols, figures, enum values, ids), is checked in
    one pass over the joined string: the keys are this package's own words, so a `=` or
    `&` beyond one per pair can only come from a value, which then goes the long way."""
    pairs = params if params.__class__ is list else list(params)
    if not pairs:
        return ""
    joined = "&".join(map("=".join, pairs))
    if (_PLAIN_QUERY.fullmatch(joined) and joined.count("=") == len(pairs)
            and joined.count("&") == len(pairs) - 1):
        return joined
    return "&".join(
        f"{key}={value if _UNRESERVED.fullmatch(value) else quote(value, safe='')}"
        for key, value in pairs
    )


class RequestSigner:
    """Signs parameter strings for one set of credentials."""

    __slots__ = (
        "_chain_id",
        "_clock",
        "_credentials",
        "_recv_window",
        "_v3_suffix",
        "headers",
        "scheme",
    )

    def __init__(
        self,
        credentials: Credentials,
        clock: ServerClock,
        *,
        recv_window: int = 5000,
        chain_id: int = EIP712_CHAIN_ID,
    ) -> None:
        self._credentials = credentials
        self._clock = clock
        self._recv_window = recv_window
        self._chain_id = chain_id
        if isinstance(credentials, HmacCredentials):
            self.scheme = AuthScheme.HMAC
            self.headers: dict[str, str] = {"X-MBX-APIKEY": credentials.api_key}
            self._v3_suffix = ""
        else:
            self.scheme = AuthScheme.EIP712
            self.headers = {}
            self._v3_suffix = f"&user={credentials.user}&signer={credentials.signer}"

    def sign(self, encoded: str) -> str:
        """The full parameter string: `encoded` plus auth params plus `signature`."""
        credentials = self._credentials
        if isinstance(credentials, HmacCredentials):
            auth = f"recvWindow={self._recv_window}&timestamp={self._clock.now_ms()}"
            payload = f"{encoded}&{auth}" if encoded else auth
            return f"{payload}&signature={credentials.sign(payload)}"
        return self.sign_v3(encoded, self._clock.next_nonce())

    def sign_v3(self, encoded: str, nonce: int) -> str:
        """v3 with an explicit nonce (`noop` cancels a queued request by its nonce)."""
        credentials = self._credentials
        assert isinstance(credentials, Eip712Credentials)
        auth = f"nonce={nonce}{self._v3_suffix}"
        payload = f"{encoded}&{auth}" if encoded else auth
        return f"{payload}&signature={credentials.sign(payload, self._chain_id)}"

    def __repr__(self) -> str:
        return f"RequestSigner(scheme={self.scheme.value!r}, credentials={self._credentials!r})"
