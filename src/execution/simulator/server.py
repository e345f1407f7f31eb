"""The simulator's aiohttp application: REST under `/fapi/v1|v2|v3|v4/...` and WebSockets.

One request goes: endpoint up? -> latency -> route -> weight -> authentication -> order
count -> injected failure -> engine (or the server's own endpoints) -> lost response? ->
JSON with the rate-limit headers. Every request is appended to the request log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from execution.simulator.account_admin import AccountAdmin
from execution.simulator.api import ApiError, EngineProtocol
from execution.simulator.endpoints import Auth, Endpoint, Handler, Route, Router, Security
from execution.simulator.faults import Failure, FaultController
from execution.simulator.json_number import unmark
from execution.simulator.ratelimit import RateLimitConfig, RateLimiter
from execution.simulator.signature import Authenticator, Principal
from execution.simulator.streams import StreamHub

log = logging.getLogger(__name__)

_AUTH_PARAMS = ("signature", "timestamp", "recvWindow", "user", "signer", "nonce")
_JSON = "application/json"
DROPPED = 0  # status recorded for a request whose connection was dropped
_WS_CATEGORIES = ("public", "market")  # Binance's stream paths; not in the AsterDEX docs


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the simulator saw it (`params` without the signature)."""

    time_ms: int
    method: str
    path: str
    params: dict[str, str]
    account_id: str | None
    status: int
    endpoint_index: int


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=str)


def _dumps(value: Any) -> bytes:
    return unmark(_ENCODER.encode(value).encode())


class SimulatorServer:
    """Request handling over an engine; `app()` builds the aiohttp application."""

    def __init__(
        self,
        engine: EngineProtocol,
        authenticator: Authenticator,
        limiter: RateLimiter,
        faults: FaultController,
        hub: StreamHub,
        clock_ms: Callable[[], int],
        request_log: deque[RequestRecord],
        rate_limits: RateLimitConfig,
        *,
        lenient: bool = False,
        dialect: str = "asterdex",
    ) -> None:
        self.router = Router(lenient=lenient, dialect=dialect)
        self.engine = engine
        self.auth = authenticator
        self.admin = AccountAdmin(engine, authenticator)
        self.limiter = limiter
        self.faults = faults
        self.hub = hub
        self.clock_ms = clock_ms
        self.request_log = request_log
        self.rate_limits = rate_limits
        self.port_index: dict[int, int] = {}
        # Requests answered "status unknown" and queued: carried out later, or dropped
        # because a noop spent their nonce first.
        self.late_requests_executed = 0
        self.late_requests_cancelled = 0

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_get("/ws", self.handle_ws)
        app.router.add_get("/ws/{tail:.*}", self.handle_ws)
        app.router.add_get("/stream", self.handle_ws)
        if self.router.lenient:  # Binance's stream categories (python-binance routes by them)
            for category in _WS_CATEGORIES:
                app.router.add_get(f"/{category}/ws", self.handle_ws)
                app.router.add_get(f"/{category}/ws/{{tail:.*}}", self.handle_ws)
                app.router.add_get(f"/{category}/stream", self.handle_ws)
        if self.router.lenient:  # the spot basics ccxt loads; not in the futures docs
            app.router.add_get(
                "/api/{version:v[13]}/{name:ping|time|exchangeInfo}", self.handle_spot
            )
        app.router.add_route("*", "/{tail:.*}", self.handle_rest)
        return app

    def _endpoint_index(self, request: web.Request) -> int:
        transport = request.transport
        if transport is None:
            return 0
        sockname = transport.get_extra_info("sockname")
        return self.port_index.get(sockname[1], 0) if sockname else 0

    @staticmethod
    def _drop(request: web.Request) -> web.Response:
        """Cut the connection without an answer (the client sees a disconnect)."""
        transport = request.transport
        if transport is not None:
            transport.abort()
        return web.Response(status=503)

    # REST ---------------------------------------------------------------------------------

    async def handle_rest(self, request: web.Request) -> web.StreamResponse:
        index = self._endpoint_index(request)
        method = request.method
        path = request.path
        if self.faults.is_down(index):
            self._log(method, path, {}, None, DROPPED, index)
            return self._drop(request)
        if self.faults.latency_ms:
            await asyncio.sleep(self.faults.latency_ms / 1000)
        route = self.router.resolve(method, path)
        query = request.rel_url.raw_query_string
        body = (await request.read()).decode() if request.body_exists else ""
        params = dict(parse_qsl(query, keep_blank_values=True))
        if body and request.content_type != _JSON:
            params.update(parse_qsl(body, keep_blank_values=True))
        now = self.clock_ms()
        if route is None:
            self._log(method, path, params, None, 404, index)
            return web.Response(status=404, text="Not Found")
        endpoint = route.endpoint
        ip = request.remote or "?"
        used, limit_error, retry_after = self.limiter.charge_weight(
            ip, endpoint.weight_for(params), now
        )
        headers = {"X-MBX-USED-WEIGHT-1M": str(used)}
        account_id: str | None = None
        status = 200
        try:
            if limit_error is not None:
                headers["Retry-After"] = str(retry_after)
                raise limit_error
            account_id, nonce = self._authenticate(request, route, query, body, params)
            if account_id is not None and endpoint.new_orders:
                order_error, retry_after = self.limiter.charge_orders(
                    account_id, _orders_in(endpoint, params), now
                )
                if order_error is not None:
                    headers["Retry-After"] = str(retry_after)
                    raise order_error
            failure = (
                self.faults.take_failure(method, endpoint.name, path)
                if self.faults.active else None
            )
            if failure is not None:
                self._time_out_backend(failure, endpoint, account_id, params, nonce)
                raise ApiError(failure.code, failure.message, http_status=failure.status)
            self._spend(nonce)
            result = self._dispatch(endpoint, account_id, params)
            if self.faults.active and self.faults.take_drop(method, endpoint.name, path):
                status = DROPPED
                return self._drop(request)
            payload = _dumps(result)
        except ApiError as error:
            status = error.http_status
            payload = _dumps(error.to_json())
        except Exception:
            log.exception("simulator: unexpected error on %s %s", method, path)
            status = 500
            payload = _dumps(
                {"code": -1000, "msg": "An unknown error occurred while processing the request."}
            )
        finally:
            self._log(method, path, params, account_id, status, index)
        if account_id is not None:
            ten, minute = self.limiter.order_counts(account_id, now)
        else:
            ten = minute = 0
        headers["X-MBX-ORDER-COUNT-10S"] = str(ten)
        headers["X-MBX-ORDER-COUNT-1M"] = str(minute)
        headers["Content-Type"] = _JSON
        return web.Response(body=payload, status=status, headers=headers)

    def _time_out_backend(
        self, failure: Failure, endpoint: Endpoint, account_id: str | None,
        params: dict[str, str], nonce: tuple[str, int] | None,
    ) -> None:
        """A backend that timed out: the request is carried out now, later, or never.

        A v3 request's nonce is spent only when the request is processed: one that waits
        in the queue (or is never processed) leaves it unspent, so a `noop` signed with the
        same nonce takes it first and the queued request is then dropped as a reused nonce
        (the docs' noop: it cancels requests still in the queue)."""
        if failure.execute and failure.execute_after_ms <= 0:
            self._spend(nonce)
            self._dispatch(endpoint, account_id, params)
        elif failure.execute:
            asyncio.get_running_loop().call_later(
                failure.execute_after_ms / 1000,
                self._dispatch_late, endpoint, account_id, dict(params), nonce,
            )

    def _spend(self, nonce: tuple[str, int] | None, *, check_window: bool = True) -> None:
        """Use up a v3 request's nonce as it is processed (checked when it arrived)."""
        if nonce is not None:
            self.auth.use_nonce(*nonce, check_window=check_window)

    def _dispatch_late(
        self,
        endpoint: Endpoint,
        account_id: str | None,
        params: dict[str, str],
        nonce: tuple[str, int] | None,
    ) -> None:
        """Carry out a request whose caller was already told its status is unknown, unless
        a `noop` spent its nonce meanwhile."""
        try:
            self._spend(nonce, check_window=False)
        except ApiError:
            self.late_requests_cancelled += 1
            return
        self.late_requests_executed += 1
        try:
            self._dispatch(endpoint, account_id, params)
        except ApiError:
            pass  # rejected after all: the caller's query finds nothing
        except Exception:
            log.exception("simulator: late execution of %s failed", endpoint.name)

    async def handle_spot(self, request: web.Request) -> web.Response:
        """The spot host's public basics: the simulator lists no spot markets."""
        name = request.match_info["name"]
        now = self.clock_ms()
        body: dict[str, Any] = {}
        if name == "time":
            body = {"serverTime": now}
        elif name == "exchangeInfo":
            body = {"timezone": "UTC", "serverTime": now,
                    "rateLimits": self.rate_limits.exchange_info(), "exchangeFilters": [],
                    "assets": [], "symbols": []}
        self._log(request.method, request.path, dict(request.query), None, 200,
                  self._endpoint_index(request))
        return web.Response(body=_dumps(body), headers={"Content-Type": _JSON})

    def _authenticate(
        self, request: web.Request, route: Route, query: str, body: str, params: dict[str, str]
    ) -> tuple[str | None, tuple[str, int] | None]:
        """The account a request acts for (None for a public one), by the route's scheme:
        a v1 path takes HMAC (or the API key alone), a v3 path EIP-712, whatever else the
        request carries; and a v3 request's (user, nonce), checked but not yet spent."""
        auth, security = route.auth, route.endpoint.security
        api_key = request.headers.get("X-MBX-APIKEY")
        if auth is Auth.LEGACY:
            if security is Security.NONE:
                return None, None
            auth = Auth.EIP712 if api_key is None and route.version in ("v3", "v4") else (
                Auth.API_KEY if security is Security.USER_STREAM else Auth.HMAC
            )
        if auth is Auth.NONE:
            return None, None
        if auth is Auth.EIP712 and route.endpoint.self_signed:
            return self.admin.authenticate(route.endpoint.name, params)
        if auth is Auth.EIP712:
            principal: Principal = self.auth.verify_eip712(query, body, params,
                                                           spend_nonce=False)
            if principal.user is not None:
                # a user implied by the signer counts as sent (its nonces, the log)
                params.setdefault("user", principal.user)
            nonce = None
            if principal.user is not None and principal.nonce is not None:
                nonce = (principal.user, principal.nonce)
            return principal.account_id, nonce
        if auth is Auth.API_KEY:
            account_id = self.auth.account_for_key(api_key)
            # MARKET_DATA needs the key but answers public data
            return (None if security is Security.NONE else account_id), None
        return self.auth.verify_hmac(api_key, query, body, params).account_id, None

    def _dispatch(self, endpoint: Endpoint, account_id: str | None, params: dict[str, str]) -> Any:
        if endpoint.handler is Handler.SERVER:
            return self._own_endpoint(endpoint, account_id, params)
        if endpoint.handler is Handler.ADMIN:
            return self.admin.handle(endpoint.name, account_id, params)
        if account_id is None:
            result = self.engine.public(endpoint.name, params)
            if endpoint.name == "exchangeInfo" and isinstance(result, dict):
                result = {**result, "rateLimits": self.rate_limits.exchange_info()}
            return result
        clean = {k: v for k, v in params.items() if k not in _AUTH_PARAMS}
        return self.engine.private(account_id, endpoint.method, endpoint.name, clean)

    def _own_endpoint(
        self, endpoint: Endpoint, account_id: str | None, params: dict[str, str]
    ) -> Any:
        name, method = endpoint.name, endpoint.method
        if name == "ping":
            return {}
        if name == "time":
            return {"serverTime": self.clock_ms()}
        if name == "noop":
            return {"code": 200, "msg": "success"}
        assert account_id is not None and name == "listenKey"
        keys = self.hub.listen_keys
        if method == "POST":
            return {"listenKey": keys.create(account_id)}
        if method == "PUT":
            return {"listenKey": keys.keepalive(account_id, params.get("listenKey"))}
        removed = keys.delete(account_id, params.get("listenKey"))
        if removed is not None:
            self.hub.expire_silently(removed)
        return {}

    def _log(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        account_id: str | None,
        status: int,
        index: int,
    ) -> None:
        if "signature" in params:
            params = {k: v for k, v in params.items() if k != "signature"}
        self.request_log.append(
            RequestRecord(int(time.time() * 1000), method, path, params, account_id, status, index)
        )

    # WebSocket ----------------------------------------------------------------------------

    async def handle_ws(self, request: web.Request) -> web.StreamResponse:
        index = self._endpoint_index(request)
        if self.faults.is_down(index):
            return self._drop(request)
        path = request.path
        category, _, rest = path[1:].partition("/")
        if category in _WS_CATEGORIES:  # lenient only (the routes exist only then)
            path = "/" + rest
        combined = path == "/stream"
        listen_key: str | None = None
        streams: list[str] = []
        if combined:
            streams = [s for s in request.query.get("streams", "").split("/") if s]
        else:
            tail = request.match_info.get("tail", "")
            parts = [s for s in tail.split("/") if s]
            if len(parts) == 1 and "@" not in parts[0] and not parts[0].startswith("!"):
                listen_key = parts[0]
            else:
                streams = parts
        return await self.hub.serve(
            request, index, streams=streams, combined=combined, listen_key=listen_key
        )


def _orders_in(endpoint: Endpoint, params: dict[str, str]) -> int:
    if endpoint.name != "batchOrders":
        return 1
    try:
        orders = json.loads(params.get("batchOrders", "[]"))
    except ValueError:
        return 1
    return max(1, len(orders)) if isinstance(orders, list) else 1
