"""Every REST endpoint the simulator answers, as data: name, method, security and weight,
and the routes: which (method, path) is answered, with which authentication scheme.

Routes follow the venue's documented API (`execution.venue_api`): a path of the v1
document is answered with HMAC (or the API key alone where the docs say so), a path of the
v3 document with EIP-712, and nothing else; a documented endpoint the simulator does not
serve yet is listed in the description's `not_yet_served`. `lenient=True` adds the
Binance-style extras third-party bots call: `/fapi/<v1..v4>/<name>` for every name the
engine knows, and on every signed path the scheme the request carries (EIP-712 on v3/v4
without an API key, else HMAC).
Weights follow the exchange's documentation: some depend on `limit` or on whether a
`symbol` was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from execution.venue_api import load as load_venue_api


class Security(Enum):
    NONE = "NONE"  # public
    SIGNED = "SIGNED"  # TRADE / USER_DATA: signature required
    USER_STREAM = "USER_STREAM"  # v1: API key only; v3: signed


class Handler(Enum):
    ENGINE = "engine"
    SERVER = "server"  # answered by the server itself (ping, time, listenKey, noop)
    ADMIN = "admin"  # agents, sub-accounts, migrations (`account_admin`)


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    method: str
    security: Security
    weight: int = 1
    weight_without_symbol: int | None = None
    limit_weights: tuple[tuple[int, int], ...] = ()  # (limit upper bound, weight), ascending
    new_orders: bool = False  # counts against the ORDERS limits
    handler: Handler = Handler.ENGINE
    # signed with the user's own wallet key over the docs' message, not by an API wallet
    self_signed: bool = False
    # served only when the simulator speaks that dialect (Binance's algo orders)
    dialect: str | None = None

    def weight_for(self, params: dict[str, str]) -> int:
        if self.weight_without_symbol is not None and "symbol" not in params:
            return self.weight_without_symbol
        if self.limit_weights:
            try:
                limit = int(params.get("limit", "0") or 0)
            except ValueError:
                limit = 0
            for bound, weight in self.limit_weights:
                if limit <= bound:
                    return weight
            return self.limit_weights[-1][1]
        return self.weight


_DEPTH_WEIGHTS = ((50, 2), (100, 5), (500, 10), (1000, 20))
_KLINE_WEIGHTS = ((99, 1), (499, 2), (1000, 5), (1500, 10))

_N, _S, _U = Security.NONE, Security.SIGNED, Security.USER_STREAM
_SERVER = Handler.SERVER
_ADMIN = Handler.ADMIN
ASTERDEX = "asterdex"
BINANCE = "binance"
DIALECTS = (ASTERDEX, BINANCE)

_TABLE: tuple[Endpoint, ...] = (
    # market data
    Endpoint("ping", "GET", _N, handler=_SERVER),
    Endpoint("time", "GET", _N, handler=_SERVER),
    Endpoint("exchangeInfo", "GET", _N),
    Endpoint("depth", "GET", _N, limit_weights=_DEPTH_WEIGHTS),
    Endpoint("trades", "GET", _N),
    Endpoint("historicalTrades", "GET", _N, 20),
    Endpoint("aggTrades", "GET", _N, 20),
    Endpoint("klines", "GET", _N, limit_weights=_KLINE_WEIGHTS),
    Endpoint("markPriceKlines", "GET", _N, limit_weights=_KLINE_WEIGHTS),
    Endpoint("indexPriceKlines", "GET", _N, limit_weights=_KLINE_WEIGHTS),
    Endpoint("premiumIndex", "GET", _N),
    Endpoint("fundingRate", "GET", _N),
    Endpoint("fundingInfo", "GET", _N),
    Endpoint("openInterest", "GET", _N),
    Endpoint("ticker/24hr", "GET", _N, 1, weight_without_symbol=40),
    Endpoint("ticker/price", "GET", _N, 1, weight_without_symbol=2),
    Endpoint("ticker/bookTicker", "GET", _N, 1, weight_without_symbol=2),
    Endpoint("indexreferences", "GET", _N),
    # trading
    Endpoint("order", "POST", _S, new_orders=True),
    Endpoint("order/test", "POST", _S),
    Endpoint("order", "PUT", _S),
    Endpoint("order", "GET", _S),
    Endpoint("order", "DELETE", _S),
    Endpoint("batchOrders", "POST", _S, 5, new_orders=True),
    Endpoint("batchOrders", "PUT", _S, 5),
    Endpoint("batchOrders", "DELETE", _S),
    Endpoint("openOrder", "GET", _S),
    Endpoint("openOrders", "GET", _S, 1, weight_without_symbol=40),
    Endpoint("allOrders", "GET", _S, 5),
    Endpoint("allOpenOrders", "DELETE", _S),
    Endpoint("countdownCancelAll", "POST", _S, 10),
    Endpoint("userTrades", "GET", _S, 5),
    # account
    Endpoint("balance", "GET", _S, 5),
    Endpoint("account", "GET", _S, 5),
    Endpoint("positionRisk", "GET", _S, 5),
    Endpoint("income", "GET", _S, 30),
    Endpoint("leverage", "POST", _S),
    Endpoint("marginType", "POST", _S),
    Endpoint("positionMargin", "POST", _S),
    Endpoint("positionMargin/history", "GET", _S),
    Endpoint("positionSide/dual", "GET", _S, 30),
    Endpoint("positionSide/dual", "POST", _S),
    Endpoint("multiAssetsMargin", "GET", _S, 30),
    Endpoint("leverageBracket", "GET", _S),
    Endpoint("commissionRate", "GET", _S, 20),
    Endpoint("noop", "POST", _S, handler=_SERVER),
    Endpoint("multiAssetsMargin", "POST", _S),
    Endpoint("stpMode", "GET", _S, 30),
    Endpoint("stpMode", "POST", _S),
    Endpoint("adlQuantile", "GET", _S, 5),
    Endpoint("forceOrders", "GET", _S, 20, weight_without_symbol=50),
    Endpoint("remainingOpenableNotionalValue", "GET", _S, 20),
    Endpoint("mmp", "POST", _S),
    Endpoint("mmp", "GET", _S),
    Endpoint("mmp", "DELETE", _S),
    Endpoint("mmpReset", "POST", _S),
    Endpoint("chase", "POST", _S, new_orders=True),
    Endpoint("asset/wallet/transfer", "POST", _S, 5),
    Endpoint("announcement/direct", "GET", _S),
    Endpoint("announcement/directById", "GET", _S),
    # account administration
    Endpoint("registerAndApproveAgent", "POST", _N, 50, handler=_ADMIN),
    Endpoint("createSubAccount", "POST", _S, 5, handler=_ADMIN, self_signed=True),
    Endpoint("sub-accounts/bind", "POST", _S, 5, handler=_ADMIN, self_signed=True),
    Endpoint("getSubAccountList", "GET", _S, 5, handler=_ADMIN),
    Endpoint("updateSubAccount", "POST", _S, 5, handler=_ADMIN, self_signed=True),
    Endpoint("subAccountTransfer", "POST", _S, 5, handler=_ADMIN, self_signed=True),
    Endpoint("asset/migrateUser", "POST", _S, 50, handler=_ADMIN, self_signed=True),
    Endpoint("asset/migrateUser/history", "GET", _S, 50, handler=_ADMIN),
    # strategy orders (the last two: the CHANGELOG's names for the queries, lenient only)
    Endpoint("placeStrategyOrder", "POST", _S, 50, new_orders=True),
    Endpoint("updateStrategyOrder", "POST", _S, 50),
    Endpoint("strategyOpenOrder", "GET", _S, 5),
    Endpoint("strategyHistoryOrder", "GET", _S, 5),
    Endpoint("strategyOrder", "GET", _S, 5),
    Endpoint("strategyOrder/history", "GET", _S, 5),
    # Binance's algo orders (`SimulatedExchange(dialect="binance")`; not AsterDEX's API)
    Endpoint("algoOrder", "POST", _S, new_orders=True, dialect=BINANCE),
    Endpoint("algoOrder", "GET", _S, dialect=BINANCE),
    Endpoint("algoOrder", "DELETE", _S, dialect=BINANCE),
    Endpoint("openAlgoOrders", "GET", _S, 1, weight_without_symbol=40, dialect=BINANCE),
    Endpoint("allAlgoOrders", "GET", _S, 5, dialect=BINANCE),
    Endpoint("algoOpenOrders", "DELETE", _S, dialect=BINANCE),
    # user data stream
    Endpoint("listenKey", "POST", _U, handler=_SERVER),
    Endpoint("listenKey", "PUT", _U, handler=_SERVER),
    Endpoint("listenKey", "DELETE", _U, handler=_SERVER),
)

ENDPOINTS: dict[tuple[str, str], Endpoint] = {(e.method, e.name): e for e in _TABLE}
VERSIONS = frozenset({"v1", "v2", "v3", "v4"})
# documented names the engine knows under another name (same response shape)
_DOC_ALIASES = {"accountWithJoinMargin": "account"}


class Auth(Enum):
    """How a route is authenticated."""

    NONE = "none"
    API_KEY = "api_key"  # X-MBX-APIKEY only (v1 USER_STREAM and MARKET_DATA)
    HMAC = "hmac"
    EIP712 = "eip712"
    LEGACY = "legacy"  # lenient extras: EIP-712 on v3/v4 without an API key, else HMAC


@dataclass(frozen=True, slots=True)
class Route:
    version: str
    endpoint: Endpoint
    auth: Auth


class Router:
    """(method, path) -> Route, built from the documented API (plus extras when lenient)."""

    def __init__(self, *, lenient: bool = False, dialect: str = ASTERDEX) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; known: {', '.join(DIALECTS)}")
        self.lenient = lenient
        self.dialect = dialect
        self.routes = documented_routes()
        for endpoint in _TABLE:  # the dialect's own endpoints, on v1 with HMAC
            if endpoint.dialect is not None and endpoint.dialect == dialect:
                key = (endpoint.method, f"/fapi/v1/{endpoint.name}")
                self.routes[key] = Route("v1", endpoint, Auth.HMAC)
        if lenient:
            # Binance's own clients sign v3 paths with HMAC too: the header decides
            self.routes = {
                key: Route(route.version, route.endpoint, Auth.LEGACY)
                if route.auth in (Auth.HMAC, Auth.EIP712) else route
                for key, route in self.routes.items()
            }
            for version in sorted(VERSIONS):
                for endpoint in _TABLE:
                    if endpoint.handler is Handler.ADMIN or endpoint.dialect not in (
                        None, dialect
                    ):
                        continue  # signed in their own way, or another venue's
                    key = (endpoint.method, f"/fapi/{version}/{endpoint.name}")
                    self.routes.setdefault(key, Route(version, endpoint, Auth.LEGACY))

    def resolve(self, method: str, path: str) -> Route | None:
        """The route answering `method path`, or None (the venue's 404)."""
        return self.routes.get((method, path))


def documented_routes() -> dict[tuple[str, str], Route]:
    """A route for every documented endpoint except those listed as not yet served.

    Raises RuntimeError when a documented endpoint has no handler and is not listed: the
    gap must be written down in the description, not discovered by a 404."""
    api = load_venue_api()
    routes: dict[tuple[str, str], Route] = {}
    for documented in api.endpoints:
        if documented.key in api.not_yet_served:
            continue
        name = _DOC_ALIASES.get(documented.name, documented.name)
        endpoint = ENDPOINTS.get((documented.method, name))
        if endpoint is None:
            raise RuntimeError(
                f"{documented.method} {documented.path} is documented, has no handler and is "
                "not listed in not_yet_served"
            )
        routes[documented.key] = Route(documented.version, endpoint, Auth(documented.auth))
    return routes
