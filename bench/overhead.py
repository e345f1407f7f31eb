"""Client overhead without the network: build, sign and parse one order, in-process.

The replies are real ones: an in-process matching engine answers one order and one
cancel, and those JSON bytes are replayed. Each client's whole `create_order` runs with
only its HTTP exchange replaced by a stub that decodes the canned bytes, so what is timed
is everything the client does for an order except the socket:
- this client: `AsterDEXExchange.create_order` with `Transport.request` stubbed, plus its
  parts (`build_order_request`, `RequestSigner.sign`, `parse_order`);
- ccxt: `create_order` with `fetch` stubbed, plus its parts (`create_order_request`,
  `sign()`, `parse_order`);
- the floor: `FloorClient.signed_body` plus `json.loads`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from bench.ccxt_clients import CCXT_SYMBOL, make_aster, make_binanceusdm
from bench.floor import FloorClient
from execution.auth import Eip712Credentials, HmacCredentials
from execution.secrets import Secret

SYMBOL = "BTCUSDT"
_TEST_KEY = "0x" + "11" * 32  # a throwaway key; nothing here talks to a network
_TEST_SECRET = "0" * 64


@dataclass(frozen=True, slots=True)
class Overhead:
    contender: str
    step: str
    microseconds: float


@dataclass(frozen=True, slots=True)
class CannedExchange:
    """Real replies of the simulator's engine, as the bytes a server would send."""

    exchange_info: bytes
    created: bytes
    cancelled: bytes
    price: Decimal
    quantity: Decimal
    user: str


def canned_exchange() -> CannedExchange:
    from execution.simulator.accounts import address_of
    from execution.simulator.engine import Engine, EngineConfig

    engine = Engine(EngineConfig(seed=7))
    engine.add_account("bench", {"USDT": Decimal(10**8)})
    info = engine.public("exchangeInfo", {})
    for limit in info.get("rateLimits", []):  # no client-side throttling in a tight loop
        limit["limit"] = 10**12
    symbol = next(s for s in info["symbols"] if s["symbol"] == SYMBOL)
    filters = {f["filterType"]: f for f in symbol["filters"]}
    tick = Decimal(filters["PRICE_FILTER"]["tickSize"])
    step = Decimal(filters["LOT_SIZE"]["stepSize"])
    price = (engine.mark_price(SYMBOL) * Decimal("0.95") / tick).to_integral_value("ROUND_FLOOR")
    price *= tick
    steps = (Decimal(20) / price / step).to_integral_value("ROUND_CEILING")
    quantity = max(steps, Decimal(1)) * step
    created = engine.private("bench", "POST", "order", {
        "symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
        "quantity": str(quantity), "price": str(price), "newClientOrderId": "bench-1",
    })
    cancelled = engine.private(
        "bench", "DELETE", "order", {"symbol": SYMBOL, "orderId": str(created["orderId"])}
    )
    user = address_of(_TEST_KEY)
    return CannedExchange(
        exchange_info=json.dumps(info).encode(),
        created=json.dumps(created).encode(),
        cancelled=json.dumps(cancelled).encode(),
        price=price,
        quantity=quantity,
        user=user,
    )


def _order_params(canned: CannedExchange) -> str:
    return (
        f"symbol={SYMBOL}&side=BUY&type=LIMIT&timeInForce=GTC&quantity={canned.quantity}"
        f"&price={canned.price}&newClientOrderId=x-0123456789abcdef0123456789abcdef"
    )


@dataclass(frozen=True, slots=True)
class Job:
    """One thing to time: a plain call or a coroutine function, `iterations` times a run."""

    contender: str
    step: str
    iterations: int
    call: Callable[[], object] | None = None
    async_call: Callable[[], Awaitable[object]] | None = None


Cleanup = Callable[[], Awaitable[None]]


async def _cpu_ns_per_call(job: Job) -> float:
    clock = time.process_time_ns
    started = clock()
    if job.call is not None:
        call = job.call
        for _ in range(job.iterations):
            call()
    else:
        assert job.async_call is not None
        async_call = job.async_call
        for _ in range(job.iterations):
            await async_call()
    return (clock() - started) / job.iterations


async def run_jobs(jobs: list[Job], repeats: int = 5) -> list[Overhead]:
    """Best-of-`repeats` CPU time per call of every job, the jobs taking turns each repeat.

    CPU time, not wall time: a process waiting for a core is not charged for the wait. The
    turns (A,B,C,A,B,C,...) make a slower phase of a shared machine hit every job alike.
    """
    best = [float("inf")] * len(jobs)
    for _ in range(repeats):
        for index, job in enumerate(jobs):
            best[index] = min(best[index], await _cpu_ns_per_call(job))
    return [
        Overhead(job.contender, job.step, ns / 1000) for job, ns in zip(jobs, best, strict=True)
    ]


# -- the floor ----------------------------------------------------------------------------


def floor_jobs(canned: CannedExchange, iterations: int) -> list[Job]:
    params = {
        "symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
        "quantity": str(canned.quantity), "price": str(canned.price),
        "newClientOrderId": "floor-1",
    }
    jobs = []
    for name, credentials in (
        ("floor v1 (HMAC)", HmacCredentials("benchkey", Secret(_TEST_SECRET))),
        ("floor v3 (EIP-712)", Eip712Credentials(canned.user, None, Secret(_TEST_KEY))),
    ):
        client = FloorClient("http://127.0.0.1:1", credentials)

        def one_order(client: FloorClient = client) -> object:
            client.signed_body(params)
            return json.loads(canned.created)

        jobs.append(Job(name, "sign + decode", iterations, call=one_order))
    return jobs


# -- this client --------------------------------------------------------------------------


class _CannedResponse:
    """What `Transport` reads from an aiohttp response: status, headers, body."""

    __slots__ = ("_body", "headers", "status")

    def __init__(self, body: bytes, headers: Any) -> None:
        self._body = body
        self.status = 200
        self.headers = headers

    async def read(self) -> bytes:
        return self._body

    async def __aenter__(self) -> _CannedResponse:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None


class CannedSession:
    """Stands in for the client's `aiohttp.ClientSession`: answers from canned bytes."""

    closed = False

    def __init__(self, canned: CannedExchange) -> None:
        from multidict import CIMultiDict, CIMultiDictProxy

        self.canned = canned
        self.headers = CIMultiDictProxy(CIMultiDict({
            "Content-Type": "application/json", "X-MBX-USED-WEIGHT-1M": "1",
            "X-MBX-ORDER-COUNT-10S": "1", "X-MBX-ORDER-COUNT-1M": "1",
        }))

    def request(self, method: str, url: Any, **_: Any) -> _CannedResponse:
        path = str(url).split("?", 1)[0]
        canned = self.canned
        if path.endswith("/order"):
            body = canned.created if method == "POST" else canned.cancelled
        elif path.endswith("/exchangeInfo"):
            body = canned.exchange_info
        elif path.endswith("/time"):
            body = json.dumps({"serverTime": time.time_ns() // 1_000_000}).encode()
        else:
            body = b"{}"
        return _CannedResponse(body, self.headers)

    def get(self, url: Any, **kwargs: Any) -> _CannedResponse:
        return self.request("GET", url, **kwargs)

    async def close(self) -> None:
        self.closed = True


async def client_jobs(canned: CannedExchange, iterations: int) -> tuple[list[Job], list[Cleanup]]:
    from execution.exchange.asterdex import AsterDEXExchange
    from execution.exchange.order_request import build_order_request
    from execution.exchange.parsing import parse_order
    from execution.models import OrderSide, OrderType, TimeInForce
    from execution.rules import SymbolRules

    info = json.loads(canned.exchange_info)
    rules = SymbolRules.from_exchange_info(
        next(s for s in info["symbols"] if s["symbol"] == SYMBOL)
    )
    created = json.loads(canned.created)
    jobs = [
        Job("client", "build_order_request", iterations, call=lambda: build_order_request(
            rules, OrderSide.BUY, OrderType.LIMIT, canned.quantity, price=canned.price,
            time_in_force=TimeInForce.GTC,
        )),
        Job("client", "parse_order (decoded JSON)", iterations, call=lambda: parse_order(created)),
    ]
    cleanups: list[Cleanup] = []
    for name, credentials in (
        ("client v1 (HMAC)", HmacCredentials("benchkey", Secret(_TEST_SECRET))),
        ("client v3 (EIP-712)", Eip712Credentials(canned.user, None, Secret(_TEST_KEY))),
    ):
        exchange = AsterDEXExchange(credentials, rest_urls=["http://127.0.0.1:1"])
        session: Any = CannedSession(canned)
        exchange.transport._session = session  # only the HTTP exchange is replaced
        signer = _find_signer(exchange)
        if signer is not None:
            jobs.append(Job(name, "RequestSigner.sign", iterations,
                            call=partial(signer.sign, _order_params(canned))))
        await exchange.connect()
        cleanups.append(exchange.close)

        async def one_order(exchange: Any = exchange) -> object:
            return await exchange.create_order(
                SYMBOL, OrderSide.BUY, OrderType.LIMIT, canned.quantity, price=canned.price,
                time_in_force=TimeInForce.GTC,
            )

        jobs.append(Job(name, "create_order, network stubbed", iterations, async_call=one_order))
    return jobs, cleanups


def _find_signer(exchange: Any) -> Any:
    from execution.exchange.signing import RequestSigner

    for value in vars(exchange).values():
        if isinstance(value, RequestSigner):
            return value
    return None


# -- ccxt ---------------------------------------------------------------------------------


def _ccxt_stub(canned: CannedExchange) -> Callable[..., Awaitable[Any]]:
    async def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        if "exchangeInfo" in url:
            return json.loads(canned.exchange_info)
        if "/order" in url:
            return json.loads(canned.created if method == "POST" else canned.cancelled)
        return json.loads(b"{}")

    return fetch


async def ccxt_jobs(canned: CannedExchange, iterations: int) -> tuple[list[Job], list[Cleanup]]:
    binanceusdm = make_binanceusdm(
        "http://127.0.0.1:1", api_key="benchkey", api_secret=_TEST_SECRET
    )
    aster = make_aster("http://127.0.0.1:1", private_key=_TEST_KEY)
    jobs = await _ccxt_jobs("ccxt binanceusdm (HMAC)", binanceusdm, "order", canned, iterations)
    jobs += await _ccxt_jobs(
        "ccxt aster (EIP-712)", aster, "v3/order", canned, max(5, iterations // 20)
    )
    return jobs, [binanceusdm.close, aster.close]


async def _ccxt_jobs(
    name: str, exchange: Any, path: str, canned: CannedExchange, iterations: int
) -> list[Job]:
    exchange.fetch = _ccxt_stub(canned)
    await exchange.load_markets()
    market = exchange.market(CCXT_SYMBOL)
    quantity, price = float(canned.quantity), float(canned.price)
    request = exchange.create_order_request(CCXT_SYMBOL, "limit", "buy", quantity, price, {})
    created = json.loads(canned.created)

    async def one_order() -> object:
        return await exchange.create_order(CCXT_SYMBOL, "limit", "buy", quantity, price)

    return [
        Job(name, "sign()", iterations,
            call=lambda: exchange.sign(path, ["fapiPrivate"], "POST", dict(request))),
        Job(name, "parse_order (decoded JSON)", iterations,
            call=lambda: exchange.parse_order(created, market)),
        Job(name, "create_order, network stubbed", iterations, async_call=one_order),
    ]


def signing_jobs(canned: CannedExchange, iterations: int) -> list[Job]:
    """EIP-712 signing of one order request: this package's path and a generic library's."""
    message = (
        f"symbol={SYMBOL}&side=BUY&type=LIMIT&timeInForce=GTC&quantity={canned.quantity}"
        f"&price={canned.price}&newClientOrderId=x-0123456789abcdef&nonce=1700000000000000"
        f"&user={canned.user}&signer={canned.user}"
    )
    credentials = Eip712Credentials(canned.user, None, Secret(_TEST_KEY))
    jobs = [Job("execution.auth", "EIP-712 sign (Eip712Credentials.sign)", iterations,
                call=lambda: credentials.sign(message))]
    try:
        from eth_account import Account
        from eth_account.messages import encode_typed_data
    except ImportError:  # optional reference point
        return jobs
    domain = {"name": "AsterSignTransaction", "version": "1", "chainId": 1666,
              "verifyingContract": "0x" + "00" * 20}
    types = {"Message": [{"name": "msg", "type": "string"}]}

    def generic() -> object:
        signable = encode_typed_data(domain, types, {"msg": message})
        return Account.sign_message(signable, _TEST_KEY)

    jobs.append(Job("eth-account", "EIP-712 sign (encode_typed_data + sign_message)",
                    max(5, iterations // 5), call=generic))
    return jobs


async def measure(iterations: int, repeats: int = 5) -> list[Overhead]:
    """Every overhead measurement, interleaved: see `run_jobs`."""
    canned = canned_exchange()
    jobs = floor_jobs(canned, iterations) + signing_jobs(canned, iterations)
    cleanups: list[Cleanup] = []
    try:
        client, client_cleanups = await client_jobs(canned, iterations)
        cleanups += client_cleanups
        rivals, rival_cleanups = await ccxt_jobs(canned, iterations)
        cleanups += rival_cleanups
        return await run_jobs(jobs + client + rivals, repeats)
    finally:
        for cleanup in cleanups:
            await cleanup()


if __name__ == "__main__":
    for item in asyncio.run(measure(2000)):
        print(f"{item.contender:28} {item.step:48} {item.microseconds:9.1f} µs")
