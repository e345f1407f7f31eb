"""`SimulatedExchange`: the engine behind one or more listening endpoints, with control of
prices, faults, the request log and the order ledger.

    async with SimulatedExchange(seed=7) as sim:
        sim.rest_url, sim.ws_url, sim.account.api_key, sim.faults.fail_requests(...)

Several endpoints are several ports over the same engine and accounts (the same venue behind
alternative hosts), so one of them can be taken down while the others answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web

from execution.auth import EIP712_CHAIN_ID
from execution.simulator.accounts import SimAccount
from execution.simulator.api import EngineProtocol
from execution.simulator.endpoints import ASTERDEX, BINANCE, DIALECTS
from execution.simulator.faults import FaultController
from execution.simulator.ratelimit import RateLimitConfig, RateLimiter
from execution.simulator.server import RequestRecord, SimulatorServer
from execution.simulator.signature import Authenticator
from execution.simulator.streams import ListenKeys, StreamHub

if TYPE_CHECKING:
    from execution.simulator.engine.config import SymbolSpec


def _default_engine(
    seed: int, clock: Callable[[], int], price_replay: Mapping[str, Sequence[Decimal]],
    market: Mapping[str, Any],
) -> Any:
    from execution.simulator.engine import Engine, EngineConfig

    return Engine(EngineConfig(seed=seed, clock=clock, replay=dict(price_replay), **market))


class SimulatedExchange:
    """A local AsterDEX-compatible exchange on loopback."""

    def __init__(
        self,
        seed: int = 7,
        accounts: Sequence[SimAccount] | None = None,
        endpoints: int = 1,
        auto_tick: bool = False,
        tick_interval: float = 0.25,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        rate_limits: RateLimitConfig | None = None,
        listen_key_ttl: float = 3600.0,
        engine: EngineProtocol | None = None,
        request_log_size: int = 100_000,
        price_replay: Mapping[str, Sequence[Decimal]] | None = None,
        lenient: bool = False,
        chain_id: int = EIP712_CHAIN_ID,
        symbols: Sequence[SymbolSpec] | None = None,
        symbols_file: str | Path | None = None,
        book_refill_ms: int | None = None,
        dialect: str = ASTERDEX,
    ) -> None:
        """`symbols` (engine `SymbolSpec`s) or `symbols_file` (a saved exchangeInfo JSON,
        `engine.symbols.load_symbols`) replace the default contracts; `book_refill_ms` is
        how long an emptied book level takes to fill up again (0: at once). `dialect`
        "binance" runs it as a Binance USDⓈ-M venue: conditional orders only through the
        algo-order API (`engine.algo_orders`), -4120 on the order endpoint."""
        if endpoints < 1:
            raise ValueError("a simulator needs at least one endpoint")
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; known: {', '.join(DIALECTS)}")
        self.dialect = dialect
        # the engine's market settings: contracts and the book's refill time
        self.market_config: dict[str, Any] = {}
        if symbols_file is not None:
            from execution.simulator.engine.symbols import load_symbols

            symbols = load_symbols(symbols_file)
        if symbols is not None:
            self.market_config["symbols"] = tuple(symbols)
        if book_refill_ms is not None:
            self.market_config["book_refill_ms"] = book_refill_ms
        self.seed = seed
        # lenient: also the Binance-style paths the venue's docs do not have (third-party
        # bots); chain_id: the EIP-712 domain's chain (714 to run as the testnet)
        self.lenient = lenient
        # symbol -> prices replayed one per tick instead of the random walk (e.g. kline closes)
        self.price_replay: dict[str, Sequence[Decimal]] = dict(price_replay or {})
        self.accounts: list[SimAccount] = (
            list(accounts) if accounts else [SimAccount.generate("default")]
        )
        self.endpoint_count = endpoints
        self.auto_tick = auto_tick
        self.tick_interval = tick_interval
        self.host = host
        self.port = port
        self.faults = FaultController()
        self.rate_limits = rate_limits or RateLimitConfig()
        self.limiter = RateLimiter(self.rate_limits)
        self.listen_keys = ListenKeys(listen_key_ttl)
        self.hub = StreamHub(self.listen_keys)
        self.request_log: deque[RequestRecord] = deque(maxlen=request_log_size)
        self.auth = Authenticator(self.server_time_ms, chain_id)
        self._engine: Any = engine
        self._server: SimulatorServer | None = None
        self._runner: web.AppRunner | None = None
        self._ports: list[int] = []
        self._tick_task: asyncio.Task[None] | None = None
        self.faults.on_websocket_drop(self.hub.drop_all)
        self.faults.on_endpoint_change(self._on_endpoint_change)

    # lifecycle ----------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Create the engine and accounts, then listen on every endpoint."""
        if self._engine is None:
            # the engine stamps orders and events with the skewed server clock too
            self._engine = _default_engine(self.seed, self.server_time_ms, self.price_replay,
                                           self.market_config)
        engine = self._engine
        engine.set_listener(self.hub.on_event)
        if self.dialect == BINANCE:
            engine.enable_algo_orders()
        self.hub.set_source(getattr(engine, "render_stream", None))
        for account in self.accounts:
            engine.add_account(account.account_id, dict(account.balances))
            if account.api_key and account.api_secret:
                self.auth.register_hmac(account.api_key, account.api_secret, account.account_id)
            if account.user:
                self.auth.register_user(account.user, account.signers, account.account_id)
        self._server = SimulatorServer(
            engine, self.auth, self.limiter, self.faults, self.hub, self.server_time_ms,
            self.request_log, self.rate_limits, lenient=self.lenient, dialect=self.dialect,
        )
        self._runner = web.AppRunner(
            self._server.app(), handle_signals=False, access_log=None, shutdown_timeout=0.5
        )
        await self._runner.setup()
        for index in range(self.endpoint_count):
            port = self.port + index if self.port else 0
            site = web.TCPSite(self._runner, self.host, port, reuse_address=True)
            await site.start()
            server = site._server
            assert server is not None and isinstance(server, asyncio.base_events.Server)
            bound = server.sockets[0].getsockname()[1]
            self._ports.append(bound)
            self._server.port_index[bound] = index
        self.hub.start()
        if self.auto_tick:
            self._tick_task = asyncio.create_task(self._tick_loop())

    async def stop(self) -> None:
        """Stop ticking, close every connection and stop listening. Safe to call twice."""
        if self._tick_task is not None:
            self._tick_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._tick_task
            self._tick_task = None
        await self.hub.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._ports.clear()

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(self.tick_interval)
            self.engine.step(1)

    def _on_endpoint_change(self, index: int, down: bool) -> None:
        if down:
            self.hub.drop_endpoint(index)

    # addresses and accounts ---------------------------------------------------------------

    @property
    def rest_urls(self) -> list[str]:
        return [f"http://{self.host}:{port}" for port in self._ports]

    @property
    def ws_urls(self) -> list[str]:
        return [f"ws://{self.host}:{port}" for port in self._ports]

    @property
    def rest_url(self) -> str:
        return self.rest_urls[0]

    @property
    def ws_url(self) -> str:
        return self.ws_urls[0]

    @property
    def account(self) -> SimAccount:
        return self.accounts[0]

    def account_by_id(self, account_id: str) -> SimAccount:
        for account in self.accounts:
            if account.account_id == account_id:
                return account
        raise KeyError(account_id)

    @property
    def engine(self) -> Any:
        """The matching engine (available once started)."""
        if self._engine is None:
            raise RuntimeError("the simulator is not started")
        return self._engine

    def server_time_ms(self) -> int:
        """The exchange's clock: real time plus the injected skew."""
        return int(time.time() * 1000) + self.faults.clock_skew_ms

    # market and order control -------------------------------------------------------------

    def set_price(self, symbol: str, price: Decimal) -> None:
        self.engine.set_price(symbol, Decimal(price))

    def step(self, n: int = 1) -> None:
        self.engine.step(n)

    def mark_price(self, symbol: str) -> Decimal:
        price: Decimal = self.engine.mark_price(symbol)
        return price

    def ban_clients(self, seconds: int) -> int:
        """Put every client address seen so far under a 418 ban for `seconds` (answers carry
        `Retry-After`); returns how many addresses were banned."""
        return self.limiter.ban_seen_clients(self.server_time_ms() + seconds * 1000)

    def restart_gateway(self) -> None:
        """Model an exchange restart: every listenKey is forgotten and every WebSocket and
        HTTP keep-alive connection is cut; accounts, orders and positions are kept. Clients
        must notice (-1125 on keepalive, a refused stream) and start over with a new key."""
        self.listen_keys.clear()
        self.hub.drop_all()
        runner = self._runner
        server = runner.server if runner is not None else None
        if server is not None:
            for connection in server.connections:
                connection.force_close()

    def lift_bans(self) -> None:
        """End every 418 ban and 429 back-off now."""
        self.limiter.lift_bans()

    def fill_order(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        client_order_id: str | None = None,
        quantity: Decimal | None = None,
        account: SimAccount | str | None = None,
    ) -> Any:
        """A counterparty fills `quantity` (default: all that remains) of a resting order."""
        if account is None:
            account_id = self.account.account_id
        else:
            account_id = account if isinstance(account, str) else account.account_id
        if quantity is None:
            query: dict[str, str] = {"symbol": symbol}
            if order_id is not None:
                query["orderId"] = str(order_id)
            if client_order_id is not None:
                query["origClientOrderId"] = client_order_id
            order = self.engine.private(account_id, "GET", "order", query)
            quantity = Decimal(order["origQty"]) - Decimal(order["executedQty"])
        return self.engine.counterparty_fill(
            account_id, symbol, order_id=order_id, client_order_id=client_order_id,
            quantity=quantity,
        )

    def orders_created(self, client_order_id: str) -> int:
        """How many orders were ever accepted with this client order id."""
        count: int = self.engine.orders_created(client_order_id)
        return count

    @property
    def late_requests(self) -> tuple[int, int]:
        """Requests answered "status unknown" and queued: (carried out later, dropped because
        a noop spent their nonce first)."""
        server = self._server
        if server is None:
            return 0, 0
        return server.late_requests_executed, server.late_requests_cancelled

    @property
    def ledger(self) -> Counter[str]:
        """Orders ever accepted per client order id."""
        ledger: Counter[str] = self.engine.ledger
        return ledger
