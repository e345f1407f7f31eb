"""`AsterDEXExchange`: the Binance-USDⓈ-M-compatible REST/WebSocket client.

This class only orchestrates: validation and rounding (`order_request`), signing
(`signing`), sending with failover and rate limits (`transport`, `rate_limit`), error
mapping (`error_map`), parsing (`parsing`) and the user stream (`user_stream`).

Exactly once: an order whose response is lost, or whose status the exchange reports as
unknown (503/-1007) or fails with a 5xx, is looked up by its client order id; it is sent
again, with the same id, only with proof that the first copy can no longer execute (v3: a
noop with its nonce), as `outcome` explains. Without proof it is never sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from execution.auth import Credentials, Eip712Credentials
from execution.coercion import to_enum
from execution.errors import (
    ConfigurationError,
    ExchangeError,
    ExchangeUnavailableError,
    ExecutionError,
    LiveTradingNotAllowedError,
    MismatchedAnswerError,
    NetworkError,
    OrderNotFoundError,
    OrderStatusUnknownError,
    TimestampError,
    ValidationError,
)
from execution.exchange import endpoints as ep
from execution.exchange.base import BaseExchange, UserEventHandler
from execution.exchange.clock import ServerClock
from execution.exchange.config import (
    account_label,
    credentials_from_env,
    is_live_url,
    live_allowed,
    read_env,
    resolve_endpoints,
)
from execution.exchange.endpoints import AuthScheme, Endpoint, Security
from execution.exchange.order_request import (
    build_order_request,
    check_answer,
    check_client_order_id,
    check_order_id,
)
from execution.exchange.outcome import OUTCOME_UNKNOWN, OutcomeSettler, SentOrder
from execution.exchange.parsing import (
    MalformedResponseError,
    parse_balances,
    parse_order,
    parse_orders,
    parse_positions,
)
from execution.exchange.rate_limit import RateLimiter, budgets_from_exchange_info
from execution.exchange.signing import FORM_CONTENT_TYPE, RequestSigner, encode_params
from execution.exchange.transport import Transport
from execution.exchange.user_stream import UserStream
from execution.models import (
    Balance,
    MarginType,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    OrderUpdate,
    Position,
    PositionSide,
    TimeInForce,
    UserEvent,
    WorkingType,
)
from execution.rules import SymbolRules, normalize_symbol

logger = logging.getLogger(__name__)

_RETRYABLE = (NetworkError, ExchangeUnavailableError, OrderStatusUnknownError)
_TRACKED_LIMIT = 10_000
_MARK_FRESH_SECONDS = 30.0


class AsterDEXExchange(BaseExchange):
    """AsterDEX (or Binance USDⓈ-M) futures over REST and the user-data WebSocket."""

    name = "asterdex"

    def __init__(
        self,
        credentials: Credentials | None = None,
        *,
        rest_urls: Sequence[str] | None = None,
        ws_url: str | None = None,
        testnet: bool | None = None,
        allow_live: bool = False,
        recv_window: int = 5000,
        timeout: float = 10.0,
        venue: str = "asterdex",
        dotenv_path: str | Path | None = ".env",
        cooldown: float = 30.0,
        max_retries: int = 4,
        backoff_base: float = 0.05,
        chain_id: int | None = None,
        prove_with_noop: bool = True,
    ) -> None:
        # arguments, then the environment, then `.env`: the same variables as the CLI
        env = read_env(dotenv_path)
        where = resolve_endpoints(
            venue, env, testnet=testnet, rest_urls=rest_urls, ws_url=ws_url
        )
        if credentials is None:
            credentials = credentials_from_env(env, venue)
        if venue == "binance" and isinstance(credentials, Eip712Credentials):
            raise ConfigurationError("Binance uses v1 (HMAC) credentials only")
        if not 0 < recv_window <= 60000:
            raise ValidationError("recv_window", recv_window, "must be in 1..60000 ms")
        self.name = venue
        self.venue = venue
        self.testnet = where.testnet
        self.rest_urls = list(where.rest_urls)
        self.ws_url = where.ws_url
        self.is_live = any(is_live_url(url) for url in self.rest_urls)
        self._live_allowed = live_allowed(allow_live, env)
        self.max_retries = max(1, max_retries)
        self.backoff_base = backoff_base
        # v3: settle an unknown outcome with a noop on its nonce (outcome.py); False: only
        # look it up, as on v1 (never sent again).
        self.prove_with_noop = prove_with_noop
        self.timeout = timeout
        self.clock = ServerClock()
        self.rate_limiter = RateLimiter(max_wait=timeout * 3)
        self.transport = Transport(
            self.rest_urls, limiter=self.rate_limiter, timeout=timeout, cooldown=cooldown
        )
        self._credentials = credentials
        self._signer: RequestSigner | None = None
        if credentials is not None:
            self._signer = RequestSigner(
                credentials,
                self.clock,
                recv_window=recv_window,
                chain_id=chain_id if chain_id is not None else where.chain_id,
            )
        self.scheme = self._signer.scheme if self._signer else AuthScheme.HMAC
        auth_headers = self._signer.headers if self._signer else {}
        self._get_headers = dict(auth_headers)
        self._form_headers = {**auth_headers, "Content-Type": FORM_CONTENT_TYPE}
        self._public_get_headers: dict[str, str] = {}
        self._public_form_headers = {"Content-Type": FORM_CONTENT_TYPE}
        self._paths = {
            endpoint: path for endpoint in ep.ALL_ENDPOINTS
            if (path := endpoint.path(self.scheme)) is not None
        }
        self._rules: dict[str, SymbolRules] = {}
        self._marks: dict[str, tuple[Decimal, float]] = {}
        self._orders: OrderedDict[str, Order] = OrderedDict()
        self._stream: UserStream | None = None
        self._user_handler: UserEventHandler | None = None
        self._connected = False
        self._clock_task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(venue={self.venue!r}, rest_urls={self.rest_urls!r}, "
            f"credentials={self._credentials!r}, live={self.is_live})"
        )

    # -- lifecycle -------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the session, find a healthy endpoint, sync the clock and load the markets;
        on failure the session is closed again (nothing is left open)."""
        await self.transport.open()
        try:
            await self.transport.health_check(self._paths[ep.PING])
            await self.sync_clock()
            await self.load_markets()
        except BaseException:
            await self.transport.close()
            raise
        self._connected = True
        network = "testnet" if self.testnet else "MAINNET" if self.is_live else "custom host"
        logger.info(
            "connected to %s %s at %s (WebSocket %s) as %s", self.venue, network,
            self.transport.active_url, self.ws_url, account_label(self._credentials),
        )
        if self._clock_task is None:
            self._clock_task = asyncio.create_task(
                self.clock.keep_synced(self.server_time), name="clock-sync"
            )

    async def close(self) -> None:
        task, self._clock_task = self._clock_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.stop_user_stream()
        await self.transport.close()
        self._connected = False

    async def sync_clock(self) -> int:
        """Measure the exchange's clock (at connect, and after a -1021/-4225); re-bases the
        v3 nonce on the corrected clock. Returns the offset to the local wall clock in ms."""
        return await self.clock.sync(self.server_time, rebase=True)

    async def load_markets(self) -> dict[str, SymbolRules]:
        """Load `exchangeInfo`: symbol rules and the rate-limit budgets."""
        info = await self._request(ep.EXCHANGE_INFO)
        try:
            rules = {
                str(item["symbol"]): SymbolRules.from_exchange_info(item)
                for item in info.get("symbols", [])
            }
            budgets = budgets_from_exchange_info(info.get("rateLimits", []))
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise MalformedResponseError(f"exchangeInfo unreadable: {exc!r}") from None
        self._rules = rules
        if budgets:
            self.rate_limiter.set_budgets(budgets)
        return rules

    def check_order_type(self, order_type: OrderType) -> None:
        """As `BaseExchange.check_order_type`; Binance also refuses conditional orders
        (stop, take-profit, trailing stop) on its order endpoint since 2025-12-09 (-4120:
        they go through its separate algo-order API, which this client does not speak), so
        they are refused here before anything is sent."""
        super().check_order_type(order_type)
        if self.venue == "binance" and order_type.is_conditional:
            raise ValidationError(
                "order_type", order_type.value,
                "Binance takes conditional orders only through its algo-order API, which "
                "this client does not support; use AsterDEX or the simulator, or protect the "
                "position with your own logic",
            )

    # -- plumbing --------------------------------------------------------------------------

    def _check_live(self) -> None:
        if self.is_live and not self._live_allowed:
            raise LiveTradingNotAllowedError(
                f"{self.venue} mainnet trading needs allow_live=True or ASTER_ALLOW_LIVE=1"
            )

    def _rules_for(self, symbol: str) -> SymbolRules:
        rules = self._rules.get(normalize_symbol(symbol))
        if rules is None:
            raise ValidationError("symbol", symbol, "unknown symbol (not in exchangeInfo)")
        return rules

    def _check_symbol(self, symbol: str) -> str:
        """The exchange's spelling of `symbol` ("BTC/USDT" -> "BTCUSDT"), checked."""
        normalized = normalize_symbol(symbol)
        if self._rules and normalized not in self._rules:
            raise ValidationError("symbol", symbol, "unknown symbol (not in exchangeInfo)")
        return normalized

    async def _send(
        self, endpoint: Endpoint, encoded: str, weight: int, nonce: int | None = None
    ) -> Any:
        """Sign (v3: with `nonce` when given, else the next one) and send once."""
        path = self._paths.get(endpoint)
        if path is None:
            raise ConfigurationError(
                f"{endpoint.method} {endpoint.name} is not in the venue's "
                f"{self.scheme.value} API; it needs the other credentials"
            )
        security = endpoint.security
        is_get = endpoint.method == "GET"
        if security is Security.NONE:
            params = encoded
            headers = self._public_get_headers if is_get else self._public_form_headers
        else:
            signer = self._signer
            if signer is None:
                raise ConfigurationError(
                    f"{endpoint.name} needs credentials (ASTER_API_KEY/ASTER_API_SECRET or "
                    "ASTER_USER/ASTER_SIGNER/ASTER_PRIVATE_KEY)"
                )
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

    async def _send_once(self, endpoint: Endpoint, encoded: str, weight: int) -> Any:
        """One logical attempt; a rejected timestamp/nonce re-syncs the clock and re-signs."""
        try:
            return await self._send(endpoint, encoded, weight)
        except TimestampError:
            if endpoint.security is Security.NONE:
                raise
            await self.sync_clock()
            return await self._send(endpoint, encoded, weight)

    def _backoff(self, attempt: int) -> float:
        delay: float = min(2.0, self.backoff_base * 2.0 ** (attempt - 1))
        return delay * (0.5 + random.random() / 2)

    async def _request(
        self, endpoint: Endpoint, params: list[tuple[str, str]] | None = None
    ) -> Any:
        """Send with the endpoint's retry policy: idempotent requests retry with backoff."""
        encoded = encode_params(params) if params else ""
        weight = endpoint.weight_for(params is not None and params[0][0] == "symbol")
        attempts = self.max_retries if endpoint.idempotent else 1
        attempt = 1
        while True:
            try:
                return await self._send_once(endpoint, encoded, weight)
            except _RETRYABLE as exc:
                if attempt >= attempts:
                    if endpoint.idempotent and isinstance(exc, NetworkError):
                        raise ExchangeUnavailableError(
                            f"{endpoint.method} {endpoint.name}: {attempts} attempts failed "
                            f"on every endpoint ({exc})"
                        ) from exc
                    raise
            await asyncio.sleep(self._backoff(attempt))
            attempt += 1

    def _track(self, order: Order) -> Order:
        """Remember the order's last known state (a copy: callers own what is returned)."""
        orders = self._orders
        orders[order.client_order_id] = copy.copy(order)
        orders.move_to_end(order.client_order_id)
        if len(orders) > _TRACKED_LIMIT:
            orders.popitem(last=False)
        return order

    @property
    def tracked_orders(self) -> dict[str, Order]:
        """The last known state of the orders this client placed or saw, by client id."""
        return dict(self._orders)

    @property
    def symbols(self) -> list[str]:
        return list(self._rules)

    # -- market data -----------------------------------------------------------------------

    async def server_time(self) -> int:
        data = await self._request(ep.TIME)
        try:
            return int(data["serverTime"])
        except (KeyError, TypeError, ValueError):
            raise MalformedResponseError("time: serverTime missing") from None

    async def get_symbol_rules(self, symbol: str) -> SymbolRules:
        return self._rules_for(symbol)

    async def fetch_mark_price(self, symbol: str) -> Decimal:
        symbol = self._check_symbol(symbol)
        data = await self._request(ep.PREMIUM_INDEX, [("symbol", symbol)])
        if isinstance(data, list):
            data = next((d for d in data if isinstance(d, dict) and d.get("symbol") == symbol),
                        None)
        if not isinstance(data, dict) or data.get("markPrice") in (None, ""):
            raise MalformedResponseError(f"premiumIndex: no markPrice for {symbol}")
        try:
            mark = Decimal(str(data["markPrice"]))
        except ArithmeticError:
            raise MalformedResponseError("premiumIndex: markPrice is not a number") from None
        self._marks[symbol] = (mark, time.monotonic())
        return mark

    def recent_mark_price(self, symbol: str, max_age: float) -> Decimal | None:
        cached = self._marks.get(normalize_symbol(symbol))
        if cached is None or time.monotonic() - cached[1] > max_age:
            return None
        return cached[0]

    # -- account ---------------------------------------------------------------------------

    async def fetch_balance(self) -> dict[str, Balance]:
        return parse_balances(await self._request(ep.BALANCE))

    async def get_positions(self, symbol: str | None = None) -> list[Position]:
        if symbol:
            symbol = self._check_symbol(symbol)
        params = [("symbol", symbol)] if symbol else None
        positions = parse_positions(await self._request(ep.POSITION_RISK, params))
        return [p for p in positions if p.quantity != 0 and (not symbol or p.symbol == symbol)]

    async def set_leverage(self, symbol: str, leverage: int) -> int:
        self._check_live()
        symbol = self._check_symbol(symbol)
        if isinstance(leverage, bool) or not isinstance(leverage, int) or not 1 <= leverage <= 125:
            raise ValidationError("leverage", leverage, "must be an integer in 1..125")
        data = await self._request(ep.LEVERAGE, [("symbol", symbol), ("leverage", str(leverage))])
        try:
            return int(data.get("leverage", leverage))
        except (AttributeError, TypeError, ValueError):
            raise MalformedResponseError("leverage: unreadable response") from None

    async def set_margin_type(self, symbol: str, margin_type: MarginType) -> None:
        self._check_live()
        symbol = self._check_symbol(symbol)
        margin_type = to_enum(MarginType, margin_type, "margin_type")
        try:
            await self._request(
                ep.MARGIN_TYPE, [("symbol", symbol), ("marginType", margin_type.value)]
            )
        except ExchangeError as exc:
            if exc.code != -4046:  # "No need to change margin type": already so
                raise

    # -- orders ----------------------------------------------------------------------------

    async def create_order(
        self,
        symbol: str,
        side: OrderSide,
        order_type: OrderType,
        quantity: Decimal | None,
        *,
        price: Decimal | None = None,
        stop_price: Decimal | None = None,
        time_in_force: TimeInForce | None = None,
        reduce_only: bool = False,
        close_position: bool = False,
        position_side: PositionSide = PositionSide.BOTH,
        working_type: WorkingType | None = None,
        activation_price: Decimal | None = None,
        callback_rate: Decimal | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        self._check_live()
        order_type = to_enum(OrderType, order_type, "order_type")
        self.check_order_type(order_type)
        rules = self._rules_for(symbol)
        symbol = rules.symbol
        reference = None
        if order_type is OrderType.MARKET:
            reference = self.recent_mark_price(symbol, _MARK_FRESH_SECONDS)
        request = build_order_request(
            rules,
            side,
            order_type,
            quantity,
            price=price,
            stop_price=stop_price,
            time_in_force=time_in_force,
            reduce_only=reduce_only,
            close_position=close_position,
            position_side=position_side,
            working_type=working_type,
            activation_price=activation_price,
            callback_rate=callback_rate,
            client_order_id=client_order_id,
            reference_price=reference,
        )
        client_id = request.order.client_order_id
        self._track(request.order)
        sent = SentOrder(encode_params(request.params))
        try:
            order = await self._send_new_order(sent)
        except (*OUTCOME_UNKNOWN, MalformedResponseError) as exc:
            # An unreadable answer came with a success status: the order exists; ask for it.
            order = await self._settle_unknown(symbol, client_id, sent, exc)
        except ExchangeError:
            self._orders.pop(client_id, None)
            raise
        return self._track(order)

    def _fresh_nonce(self) -> int | None:
        """The nonce for the next v3 request sent (None on v1: no nonce)."""
        return self.clock.next_nonce() if self.scheme is AuthScheme.EIP712 else None

    async def _send_new_order(self, sent: SentOrder) -> Order:
        """Send a new order once, remembering its nonce; a nonce or timestamp refused at
        the door (-1021, -4225: nothing processed) re-syncs the clock and signs anew."""
        sent.nonce = self._fresh_nonce()
        try:
            data = await self._send(ep.NEW_ORDER, sent.encoded, 1, sent.nonce)
        except TimestampError:
            await self.sync_clock()
            sent.nonce = self._fresh_nonce()
            data = await self._send(ep.NEW_ORDER, sent.encoded, 1, sent.nonce)
        return parse_order(data)

    async def _noop(self, nonce: int) -> None:
        """`POST /fapi/v3/noop` with `nonce`: spends it if no request has yet."""
        data = await self._send(ep.NOOP, "", ep.NOOP.weight, nonce)
        if not isinstance(data, dict) or data.get("code") not in (200, "200"):
            raise MalformedResponseError(f"noop: unexpected answer {data!r:.80}")

    async def _settle_unknown(
        self, symbol: str, client_order_id: str, sent: SentOrder, cause: ExecutionError
    ) -> Order:
        """The order may or may not exist: settled with proof (`outcome.OutcomeSettler`)."""
        query = [("symbol", symbol), ("origClientOrderId", client_order_id)]

        async def look_up() -> Order:
            answer = parse_order(await self._request(ep.QUERY_ORDER, query))
            return check_answer(answer, symbol, None, client_order_id)

        settler = OutcomeSettler(
            client_order_id,
            sent,
            query=look_up,
            resend=self._send_new_order,
            noop=self._noop if self.scheme is AuthScheme.EIP712 and self.prove_with_noop
            else None,
            backoff=self._backoff,
            queries=self.max_retries + 1,
        )
        return await settler.settle(cause)

    async def cancel_order(
        self, order_id: str | None, symbol: str, *, client_order_id: str | None = None
    ) -> Order:
        self._check_live()
        symbol = self._check_symbol(symbol)
        params = self._order_ref(symbol, order_id, client_order_id)
        lost = False
        attempt = 1
        while True:
            try:
                order = parse_order(await self._send_once(ep.CANCEL_ORDER, encode_params(params),
                                                          ep.CANCEL_ORDER.weight))
                return self._track(check_answer(order, symbol, order_id, client_order_id))
            except OrderNotFoundError:
                if not lost:
                    raise
                # an earlier attempt may have cancelled it before its response was lost
                order = await self.fetch_order(
                    symbol, order_id=order_id, client_order_id=client_order_id
                )
                if order.status is OrderStatus.CANCELED:
                    return order
                raise
            except _RETRYABLE:
                lost = True
                if attempt >= self.max_retries:
                    raise
            await asyncio.sleep(self._backoff(attempt))
            attempt += 1

    async def modify_order(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Decimal,
        price: Decimal,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Change a resting LIMIT order's price and/or quantity (validated and rounded).

        EIP-712 only: the venue's v1 document has no modify, so under HMAC this raises
        ConfigurationError and sends nothing. Not repeated after a lost response: the caller
        re-reads the order instead.
        """
        self._check_live()
        rules = self._rules_for(symbol)
        symbol = rules.symbol
        request = build_order_request(rules, side, OrderType.LIMIT, quantity, price=price)
        wire = dict(request.params)
        params = self._order_ref(symbol, order_id, client_order_id)
        # the documented parameters only: PUT order takes no `side` (the venue's docs)
        params += [("quantity", wire["quantity"]), ("price", wire["price"])]
        data = await self._send_once(ep.MODIFY_ORDER, encode_params(params), 1)
        return self._track(check_answer(parse_order(data), symbol, order_id, client_order_id))

    @staticmethod
    def _order_ref(
        symbol: str, order_id: str | None, client_order_id: str | None
    ) -> list[tuple[str, str]]:
        """The order named in a request: by client order id when it is known (ours are
        never reused, while an order id a restarted or reset exchange hands out again would
        name another order), else by order id. The answer is checked against both
        (`check_answer`)."""
        if client_order_id:
            check_client_order_id(client_order_id)
            return [("symbol", symbol), ("origClientOrderId", client_order_id)]
        if order_id:
            return [("symbol", symbol), ("orderId", check_order_id(order_id))]
        raise ValidationError("order_id", order_id, "order_id or client_order_id is required")

    async def fetch_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        symbol = self._check_symbol(symbol)
        params = self._order_ref(symbol, order_id, client_order_id)
        order = parse_order(await self._request(ep.QUERY_ORDER, params))
        return self._track(check_answer(order, symbol, order_id, client_order_id))

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        if symbol:
            symbol = self._check_symbol(symbol)
        orders = parse_orders(
            await self._request(ep.OPEN_ORDERS, [("symbol", symbol)] if symbol else None)
        )
        for order in orders:
            self._track(order)
        return orders

    async def get_all_orders(
        self, symbol: str, *, start_time: int | None = None, limit: int = 500
    ) -> list[Order]:
        symbol = self._check_symbol(symbol)
        if not 1 <= limit <= 1000:
            raise ValidationError("limit", limit, "must be in 1..1000")
        params = [("symbol", symbol), ("limit", str(limit))]
        if start_time is not None:
            params.append(("startTime", str(start_time)))
        return parse_orders(await self._request(ep.ALL_ORDERS, params))

    async def cancel_all_orders(self, symbol: str) -> None:
        self._check_live()
        symbol = self._check_symbol(symbol)
        # The answer names no order: what each tracked order became (cancelled, or filled or
        # expired before the cancel landed) is the exchange's to say, in its events or when
        # it is queried. Nothing is marked here.
        await self._request(ep.CANCEL_ALL_ORDERS, [("symbol", symbol)])

    # -- user stream -----------------------------------------------------------------------

    async def start_user_stream(self, handler: UserEventHandler) -> None:
        if self._stream is not None:
            await self.stop_user_stream()
        self._user_handler = handler
        self._stream = UserStream(
            session=lambda: self.transport.session,
            ws_url=self.ws_url,
            create_key=self._create_listen_key,
            keepalive_key=self._keepalive_listen_key,
            delete_key=self._delete_listen_key,
            resync=self._resync_orders,
            handler=self._on_user_event,
        )
        await self._stream.start(wait=self.timeout)

    async def stop_user_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            await stream.stop()

    @property
    def user_stream_connected(self) -> bool:
        return self._stream is not None and self._stream.connected

    @property
    def user_stream(self) -> UserStream | None:
        return self._stream

    async def _on_user_event(self, event: UserEvent) -> None:
        if isinstance(event, OrderUpdate):
            self._track(event.order)
        handler = self._user_handler
        if handler is not None:
            result = handler(event)
            if result is not None:
                await result

    async def _create_listen_key(self) -> str:
        data = await self._request(ep.LISTEN_KEY_CREATE)
        key = data.get("listenKey") if isinstance(data, dict) else None
        if not isinstance(key, str) or not key:
            raise MalformedResponseError("listenKey: no key in the response")
        return key

    async def _keepalive_listen_key(self, key: str) -> None:
        await self._request(ep.LISTEN_KEY_KEEPALIVE)

    async def _delete_listen_key(self, key: str) -> None:
        await self._request(ep.LISTEN_KEY_DELETE)

    async def _resync_orders(self) -> list[OrderUpdate]:
        """Open orders now, plus the final state of tracked orders that closed meanwhile."""
        previously_open = [o for o in self._orders.values() if o.is_open]
        open_orders = await self.get_open_orders()
        open_ids = {order.client_order_id for order in open_orders}
        orders = list(open_orders)
        for known in previously_open:
            if known.client_order_id in open_ids:
                continue
            try:
                orders.append(
                    await self.fetch_order(known.symbol, client_order_id=known.client_order_id)
                )
            except OrderNotFoundError:
                self._orders.pop(known.client_order_id, None)
            except MismatchedAnswerError as exc:
                # an answer about another order: not applied, and no reason to drop the rest
                logger.warning("resync: %s skipped (%s)", known.client_order_id, exc)
        now = self.clock.now_ms()
        return [
            OrderUpdate(
                order=order,
                execution_type="RESYNC",
                event_time=now,
                transaction_time=order.updated_at,
                from_resync=True,
            )
            for order in orders
        ]
