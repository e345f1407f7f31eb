"""`RestClient`: one request to an endpoint, signed and sent, with its retry policy.

It knows the venue's paths (`VenueProfile.paths`), the signer and the transport; not the
client that owns it. An idempotent request is repeated with jittered back-off after a lost
answer (each repeat re-signed, so a v3 nonce is never reused); a rejected timestamp or
nonce re-syncs the server clock (the `resync` callable) and signs anew. Waits run on the
injected `Clock`.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

from execution.errors import (
    ConfigurationError,
    ExchangeUnavailableError,
    NetworkError,
    OrderStatusUnknownError,
    TimestampError,
)
from execution.exchange.endpoints import AuthScheme, Endpoint, Security
from execution.exchange.signing import FORM_CONTENT_TYPE, RequestSigner, encode_params
from execution.exchange.transport import Transport
from execution.exchange.venues import VenueProfile
from execution.timekeeping import Clock

RETRYABLE = (NetworkError, ExchangeUnavailableError, OrderStatusUnknownError)
"""Errors after which an idempotent request may be sent again."""

Params = list[tuple[str, str]]


class RestClient:
    """Signs and sends requests for one venue and one set of credentials."""

    def __init__(
        self,
        *,
        profile: VenueProfile,
        transport: Transport,
        signer: RequestSigner | None,
        resync: Callable[[], Awaitable[object]],
        clock: Clock,
        max_retries: int,
        backoff_base: float,
    ) -> None:
        self.profile = profile
        self.transport = transport
        self.signer = signer
        self.scheme = signer.scheme if signer is not None else AuthScheme.HMAC
        self.clock = clock
        self.max_retries = max(1, max_retries)
        self.backoff_base = backoff_base
        self._resync = resync
        auth_headers = signer.headers if signer is not None else {}
        self._get_headers = dict(auth_headers)
        self._form_headers = {**auth_headers, "Content-Type": FORM_CONTENT_TYPE}
        self._public_get_headers: dict[str, str] = {}
        self._public_form_headers = {"Content-Type": FORM_CONTENT_TYPE}
        self._paths = profile.paths(self.scheme)
        self._lacking = {
            endpoint: scheme for scheme in AuthScheme
            for endpoint in profile.paths(scheme) if endpoint not in self._paths
        }

    def has(self, endpoint: Endpoint) -> bool:
        """Whether this venue and these credentials' scheme have `endpoint`."""
        return endpoint in self._paths

    def path(self, endpoint: Endpoint) -> str:
        """The endpoint's path; `ConfigurationError` (nothing sent) when this venue, or
        these credentials' scheme, does not have it."""
        path = self._paths.get(endpoint)
        if path is not None:
            return path
        label = f"{endpoint.method} {endpoint.name}"
        other = self._lacking.get(endpoint)
        if other is None:
            raise ConfigurationError(f"{self.profile.name} has no {label} endpoint")
        raise ConfigurationError(
            f"{label} is not in the venue's {self.scheme.value} API; it needs the other "
            f"credentials ({other.value})"
        )

    def backoff(self, attempt: int) -> float:
        """Seconds before repeat `attempt` (exponential, capped at 2 s, jittered)."""
        delay: float = min(2.0, self.backoff_base * 2.0 ** (attempt - 1))
        return delay * (0.5 + random.random() / 2)

    async def send(
        self, endpoint: Endpoint, encoded: str, weight: int, nonce: int | None = None
    ) -> Any:
        """Sign (v3: with `nonce` when given, else the next one) and send once."""
        path = self.path(endpoint)
        security = endpoint.security
        is_get = endpoint.method == "GET"
        if security is Security.NONE:
            params = encoded
            headers = self._public_get_headers if is_get else self._public_form_headers
        else:
            signer = self.signer
            if signer is None:
                names = self.profile.credentials
                groups = [(names.api_key, names.api_secret), names.v3()]
                wanted = " or ".join("/".join(group) for group in groups if group)
                raise ConfigurationError(f"{endpoint.name} needs credentials ({wanted})")
            if security is Security.USER_STREAM and signer.scheme is AuthScheme.HMAC:
                params = encoded
            elif nonce is not None:
                params = signer.sign_v3(encoded, nonce)
            else:
                params = signer.sign(encoded)
            headers = self._get_headers if is_get else self._form_headers
        return await self.transport.request(
            endpoint.method,
            path,
            params,
            headers,
            weight=weight,
            is_order=endpoint.counts_as_order,
        )

    async def send_once(self, endpoint: Endpoint, encoded: str, weight: int) -> Any:
        """One logical attempt; a rejected timestamp/nonce re-syncs the clock and re-signs."""
        try:
            return await self.send(endpoint, encoded, weight)
        except TimestampError:
            if endpoint.security is Security.NONE:
                raise
            await self._resync()
            return await self.send(endpoint, encoded, weight)

    async def request(self, endpoint: Endpoint, params: Params | None = None) -> Any:
        """Send with the endpoint's retry policy: idempotent requests retry with backoff."""
        encoded = encode_params(params) if params else ""
        limit = next((int(value) for key, value in params if key == "limit"), None) if (
            params and endpoint.weight_by_limit) else None
        weight = endpoint.weight_for(params is not None and params[0][0] == "symbol", limit)
        attempts = self.max_retries if endpoint.idempotent else 1
        attempt = 1
        while True:
            try:
                return await self.send_once(endpoint, encoded, weight)
            except RETRYABLE as exc:
                if attempt >= attempts:
                    if endpoint.idempotent and isinstance(exc, NetworkError):
                        raise ExchangeUnavailableError(
                            f"{endpoint.method} {endpoint.name}: {attempts} attempts failed "
                            f"on every endpoint ({exc})"
                        ) from exc
                    raise
            await self.clock.sleep(self.backoff(attempt))
            attempt += 1



def rest_client_of(exchange: object, what: str) -> RestClient:
    """The `RestClient` of an exchange client that signs its own requests (AsterDEX,
    Binance and the simulator through the same client); `ConfigurationError` naming
    `what` needs it otherwise."""
    rest = getattr(exchange, "rest", None)
    if not isinstance(rest, RestClient):
        raise ConfigurationError(f"{type(exchange).__name__} has no {what}")
    return rest
