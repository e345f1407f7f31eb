"""`AsterDEXExchange`: the Binance-USDⓈ-M-compatible REST/WebSocket client (the facade).

This class only wires and orchestrates its parts: the venue's profile (`venues`), validation
and rounding (`order_request`), signed requests with their retry policy (`rest`: `signing`,
`transport`, `rate_limit`, `error_map`), symbol rules and marks (`markets`), the order requests
(`order_desk`), the user stream (`user_stream`, fed by `stream_link`). None of the parts knows
this class. Time is read and waited on through an injected `timekeeping.Clock`.

Exactly once: an order whose answer is lost or unknown is looked up by its client order id
and sent again only with proof the first copy cannot execute any more (`outcome`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from execution.auth import Credentials, Eip712Credentials
from execution.errors import LiveTradingNotAllowedError, ValidationError
from execution.exchange import endpoints as ep
from execution.exchange.account import AccountDesk
from execution.exchange.base import BaseExchange, UserEventHandler
from execution.exchange.batches import BatchDesk
from execution.exchange.config import (
    account_label,
    credentials_from_env,
    is_live_url,
    live_allowed,
    read_env,
    resolve_endpoints,
)
from execution.exchange.endpoints import AuthScheme
from execution.exchange.margin_desk import MarginDesk
from execution.exchange.markets import MARK_FRESH_SECONDS, Markets
from execution.exchange.order_desk import OrderDesk
from execution.exchange.order_request import new_client_order_id, request_for, speaks_v3
from execution.exchange.rate_budget import RateBudget, rate_budget_for, server_clock_for
from execution.exchange.rest import RestClient
from execution.exchange.signing import RequestSigner
from execution.exchange.strategy_orders import StrategyOrders
from execution.exchange.stream_link import StreamLink
from execution.exchange.tracked import TrackedOrders
from execution.exchange.transport import Transport
from execution.exchange.user_stream import UserStream
from execution.exchange.venues import Capability, VenueProfile, venue_profile
from execution.intent import OrderIntent
from execution.models import (
    Balance,
    MarginType,
    Order,
    OrderSide,
    OrderType,
    Position,
    PositionSide,
    TimeInForce,
    WorkingType,
)
from execution.rules import SymbolRules
from execution.timekeeping import SYSTEM_CLOCK, Clock

logger = logging.getLogger(__name__)


class AsterDEXExchange(BaseExchange):
    """AsterDEX (or Binance USDⓈ-M) futures over REST and the user-data WebSocket.

    `venue` is a profile or its name ("asterdex", "binance"); `clock` is where the client
    reads time and waits (back-offs, rate-limit pauses, cool-downs, the mark cache, the
    user stream's pacing), `SYSTEM_CLOCK` by default. Signing keeps its own estimate of
    the exchange's clock (`self.clock`, a `ServerClock` on the machine's time sources).
    `nonce_slot` (0-99, or "auto": leased through the shared `rate_budget`, docs/rate-budget.md):
    each process signing for one v3 user takes its own; their nonces never collide.
    """

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
        venue: str | VenueProfile = "asterdex",
        dotenv_path: str | Path | None = ".env",
        cooldown: float = 30.0,
        max_retries: int = 4,
        backoff_base: float = 0.05,
        chain_id: int | None = None,
        prove_with_noop: bool = True,
        clock: Clock | None = None,
        nonce_slot: int | str | None = None,
        rate_budget: str | RateBudget | None = None, local_address: str | None = None,
    ) -> None:
        profile = venue_profile(venue)
        # arguments, then the environment, then `.env`: the same variables as the CLI
        env = read_env(dotenv_path)
        where = resolve_endpoints(
            profile, env, testnet=testnet, rest_urls=rest_urls, ws_url=ws_url
        )
        if credentials is None:
            credentials = credentials_from_env(env, profile)
        if credentials is not None:
            profile.check_scheme(
                AuthScheme.EIP712 if isinstance(credentials, Eip712Credentials)
                else AuthScheme.HMAC
            )
        if not 0 < recv_window <= 60000:
            raise ValidationError("recv_window", recv_window, "must be in 1..60000 ms")
        self.profile = profile
        self.name = profile.name
        self.venue = profile.name
        self.local_clock: Clock = clock if clock is not None else SYSTEM_CLOCK
        self.testnet = where.testnet
        self.rest_urls = list(where.rest_urls)
        self.ws_url = where.ws_url
        self.is_live = any(is_live_url(url) for url in self.rest_urls)
        self._live_allowed = live_allowed(allow_live, env)
        self.max_retries = max(1, max_retries)
        self.backoff_base = backoff_base
        # v3: settle an unknown outcome with a noop on its nonce (outcome.py); False: only
        # look it up, as on v1 and on a venue without the noop (never sent again).
        self.prove_with_noop = prove_with_noop and profile.supports(Capability.NOOP_PROOF)
        self.timeout = timeout
        self.rate_limiter = rate_budget_for(rate_budget, env, max_wait=timeout * 3,
                                            clock=self.local_clock)
        self.clock = server_clock_for(self.rate_limiter, getattr(credentials, "user", None),
                                      nonce_slot)
        self.transport = Transport(
            self.rest_urls, limiter=self.rate_limiter, timeout=timeout, cooldown=cooldown,
            clock=self.local_clock, local_address=local_address,
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
        self.rest = RestClient(
            profile=profile, transport=self.transport, signer=self._signer,
            resync=self.sync_clock, clock=self.local_clock,
            max_retries=self.max_retries, backoff_base=backoff_base,
        )
        self.scheme = self.rest.scheme
        self.v3_parameters = speaks_v3(profile.name, self.scheme)  # stpMode, BBO peg, HIDDEN
        self.markets = Markets(self.rest, self.local_clock)
        self.account = AccountDesk(self.rest)
        self.orders = OrderDesk(
            rest=self.rest, markets=self.markets, tracked=TrackedOrders(),
            server_clock=self.clock, resync=self.sync_clock, prove=self.prove_with_noop,
        )
        # batches (`exchange.batches.place/cancel`) and the account's modes and margin
        self.batches = BatchDesk(self.orders, guard=self._check_live,
                                 check_type=functools.partial(self.check_order_type, batch=True),
                                 resync=self.sync_clock)
        self.margin = MarginDesk(self.rest, check_symbol=self.markets.check_symbol,
                                 guard=self._check_live, now_ms=self.clock.now_ms)
        self.stream_link = StreamLink(rest=self.rest, desk=self.orders, now_ms=self.clock.now_ms)
        self.modifies_in_place = self.rest.has(ep.MODIFY_ORDER)
        self.strategy_orders = StrategyOrders(self.rest, self.markets, self.local_clock.sleep) \
            if self.rest.has(ep.PLACE_STRATEGY_ORDER) else None
        self._stream: UserStream | None = None
        self._connected = False
        self._clock_task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(venue={self.venue!r}, rest_urls={self.rest_urls!r}, "
                f"credentials={self._credentials!r}, live={self.is_live})")

    # -- lifecycle -------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the session, find a healthy endpoint, sync the clock and load the markets;
        on failure the session is closed again (nothing is left open)."""
        await self.transport.open()
        try:
            await self.transport.health_check(self.rest.path(ep.PING))
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
                self.clock.keep_synced(self.server_time, sleep=self.local_clock.sleep),
                name="clock-sync",
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
        rules, budgets = await self.markets.load()
        if budgets:
            self.rate_limiter.set_budgets(budgets)
        return rules

    def check_order_type(self, order_type: OrderType, *, batch: bool = False) -> None:
        """As `BaseExchange.check_order_type`, plus what the venue's profile refuses
        (Binance: conditional orders in a batch: algo orders go one at a time)."""
        super().check_order_type(order_type)
        self.profile.check_order_type(order_type, batch=batch)

    def _check_live(self) -> None:
        if self.is_live and not self._live_allowed:
            raise LiveTradingNotAllowedError(
                f"{self.venue} mainnet trading needs allow_live=True or ASTER_ALLOW_LIVE=1"
            )

    @property
    def tracked_orders(self) -> dict[str, Order]:
        """The last known state of the orders this client placed or saw, by client id."""
        return self.orders.tracked.snapshot()

    @property
    def symbols(self) -> list[str]:
        return list(self.markets.rules)

    # -- market data -----------------------------------------------------------------------

    async def server_time(self) -> int:
        return await self.account.server_time()

    async def get_symbol_rules(self, symbol: str) -> SymbolRules:
        return self.markets.rules_for(symbol)

    async def fetch_mark_price(self, symbol: str) -> Decimal:
        return await self.markets.fetch_mark(symbol)

    def recent_mark_price(self, symbol: str, max_age: float) -> Decimal | None:
        return self.markets.recent_mark(symbol, max_age)

    # -- account ---------------------------------------------------------------------------

    async def fetch_balance(self) -> dict[str, Balance]:
        return await self.account.balances()

    async def get_positions(self, symbol: str | None = None) -> list[Position]:
        return await self.account.positions(self.markets.check_symbol(symbol) if symbol else None)

    async def set_leverage(self, symbol: str, leverage: int) -> int:
        self._check_live()
        return await self.account.set_leverage(self.markets.check_symbol(symbol), leverage)

    async def set_margin_type(self, symbol: str, margin_type: MarginType) -> None:
        await self.margin.set_margin_type(symbol, margin_type)  # already so: a no-op

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
        return await self._send(OrderIntent(
            symbol, side, order_type, Decimal(0) if quantity is None else quantity, price,
            stop_price, time_in_force, reduce_only, working_type, position_side,
            close_position, activation_price, callback_rate,
        ), client_order_id or new_client_order_id())

    async def place(self, intent: OrderIntent, client_order_id: str) -> Order:
        """Every parameter as the docs say (`order_request`); hedge mode: no reduceOnly."""
        hedged = intent.position_side is not PositionSide.BOTH
        return await self._send(replace(intent, reduce_only=intent.reduce_only and not hedged),
                                client_order_id)

    async def _send(self, intent: OrderIntent, client_order_id: str) -> Order:
        self._check_live()
        self.check_order_type(intent.order_type)
        return await self.orders.place(request_for(self.markets, intent, client_order_id,
                                                   v3=self.v3_parameters,
                                                   mark_age=MARK_FRESH_SECONDS))

    async def cancel_order(
        self, order_id: str | None, symbol: str, *, client_order_id: str | None = None
    ) -> Order:
        self._check_live()
        symbol = self.markets.check_symbol(symbol)
        return await self.orders.cancel(symbol, order_id, client_order_id)

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

        EIP-712 only: the venue's v1 document has no modify, so under HMAC (and on a venue
        without the endpoint) this raises ConfigurationError and sends nothing. Not repeated
        after a lost response: the caller re-reads the order instead.
        """
        self._check_live()
        self.rest.path(ep.MODIFY_ORDER)  # refused before validating: nothing to send it on
        return await self.orders.modify(
            symbol, side, quantity, price, order_id, client_order_id
        )

    async def fetch_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        symbol = self.markets.check_symbol(symbol)
        return await self.orders.fetch(symbol, order_id, client_order_id)

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        if symbol:
            symbol = self.markets.check_symbol(symbol)
        return await self.orders.open_orders(symbol)

    async def get_all_orders(
        self, symbol: str, *, start_time: int | None = None, limit: int = 500
    ) -> list[Order]:
        symbol = self.markets.check_symbol(symbol)
        return await self.orders.all_orders(symbol, start_time, limit)

    async def cancel_all_orders(self, symbol: str) -> None:
        self._check_live()
        await self.orders.cancel_all(self.markets.check_symbol(symbol))

    async def countdown_cancel_all(self, symbol: str, countdown_ms: int) -> None:
        self._check_live()
        await self.orders.countdown_cancel_all(self.markets.check_symbol(symbol), countdown_ms)

    # -- user stream -----------------------------------------------------------------------

    async def start_user_stream(self, handler: UserEventHandler) -> None:
        if self._stream is not None:
            await self.stop_user_stream()
        self._stream = self.stream_link.open_stream(
            handler, lambda: self.transport.session, self.ws_url, self.local_clock)
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
