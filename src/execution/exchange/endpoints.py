"""Every REST endpoint the client uses, as data: method, paths per auth scheme, weight.

v1 (HMAC) uses the paths of the venue's v1 document (`/fapi/v1`, `/fapi/v2` balance and
positionRisk, `/fapi/v4/account`); v3 (EIP-712) those of the v3 document (`/fapi/v3`,
where account information is `accountWithJoinMargin`). A request a scheme's document does
not have (modify under v1, noop under v1) has no path for that scheme and is refused before
anything is sent. Weights follow the venue's documentation; `weight_all` is the weight when
the request covers every symbol (no `symbol` parameter).
"""

from __future__ import annotations

from dataclasses import dataclass

from execution.models import WireEnum


class Security(WireEnum):
    """What a request must carry: nothing, the API key (v1 user stream) or a signature."""

    NONE = "NONE"
    USER_STREAM = "USER_STREAM"  # v1: X-MBX-APIKEY only; v3: signed like any other
    SIGNED = "SIGNED"


class AuthScheme(WireEnum):
    HMAC = "hmac"  # v1
    EIP712 = "eip712"  # v3


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One REST endpoint. `counts_as_order` requests use the ORDERS budget too."""

    name: str
    method: str
    v1_path: str | None  # None: not in the v1 document
    v3_path: str | None  # None: not in the v3 document
    weight: int = 1
    weight_all: int | None = None
    security: Security = Security.SIGNED
    counts_as_order: bool = False
    idempotent: bool = True  # safe to repeat after a lost response
    # (highest limit, weight) steps, lowest first: the weight of a request sending `limit`
    weight_by_limit: tuple[tuple[int, int], ...] = ()

    def __hash__(self) -> int:
        # by name and method (equal endpoints have equal ones): looked up on every request,
        # where the generated hash of every field, enum included, costs a microsecond
        return hash((self.name, self.method))

    def path(self, scheme: AuthScheme) -> str | None:
        """The documented path under `scheme`, None when that scheme's document lacks it."""
        return self.v3_path if scheme is AuthScheme.EIP712 else self.v1_path

    def weight_for(self, has_symbol: bool, limit: int | None = None) -> int:
        """The weight of a request with (or without) a symbol and with `limit` (None: the
        endpoint's default)."""
        if limit is not None and self.weight_by_limit:
            for highest, weight in self.weight_by_limit:
                if limit <= highest:
                    return weight
            return self.weight_by_limit[-1][1]
        if not has_symbol and self.weight_all is not None:
            return self.weight_all
        return self.weight


_UNDOCUMENTED = ""  # marks a path a scheme's document does not have


def _ep(
    name: str,
    method: str,
    v1: str,
    weight: int = 1,
    *,
    v3: str | None = None,
    weight_all: int | None = None,
    security: Security = Security.SIGNED,
    order: bool = False,
    idempotent: bool = True,
    by_limit: tuple[tuple[int, int], ...] = (),
) -> Endpoint:
    resource = name if v1 == _UNDOCUMENTED else v1.split("/", 3)[3]
    return Endpoint(
        name=name,
        method=method,
        v1_path=v1 or None,
        v3_path=v3 or f"/fapi/v3/{resource}",
        weight=weight,
        weight_all=weight_all,
        security=security,
        counts_as_order=order,
        idempotent=idempotent,
        weight_by_limit=by_limit,
    )


_PUBLIC = Security.NONE

PING = _ep("ping", "GET", "/fapi/v1/ping", security=_PUBLIC)
TIME = _ep("time", "GET", "/fapi/v1/time", security=_PUBLIC)
EXCHANGE_INFO = _ep("exchangeInfo", "GET", "/fapi/v1/exchangeInfo", security=_PUBLIC)
PREMIUM_INDEX = _ep("premiumIndex", "GET", "/fapi/v1/premiumIndex", 1, security=_PUBLIC)
TICKER_PRICE = _ep("ticker/price", "GET", "/fapi/v1/ticker/price", 1, weight_all=2,
                   security=_PUBLIC)
DEPTH = _ep("depth", "GET", "/fapi/v1/depth", 10, security=_PUBLIC,  # at the default 500
            by_limit=((50, 2), (100, 5), (500, 10), (1000, 20)))
TICKER_24HR = _ep("ticker/24hr", "GET", "/fapi/v1/ticker/24hr", 1, weight_all=40,
                  security=_PUBLIC)
KLINES = _ep("klines", "GET", "/fapi/v1/klines", 5, security=_PUBLIC,  # at the default 500
             by_limit=((99, 1), (499, 2), (1000, 5), (1500, 10)))

NEW_ORDER = _ep("order", "POST", "/fapi/v1/order", order=True, idempotent=False)
# the v1 document has no PUT order: modifying needs EIP-712 credentials
MODIFY_ORDER = _ep("order", "PUT", _UNDOCUMENTED, order=True, idempotent=False)
QUERY_ORDER = _ep("order", "GET", "/fapi/v1/order")
CANCEL_ORDER = _ep("order", "DELETE", "/fapi/v1/order")
OPEN_ORDERS = _ep("openOrders", "GET", "/fapi/v1/openOrders", 1, weight_all=40)
ALL_ORDERS = _ep("allOrders", "GET", "/fapi/v1/allOrders", 5)
CANCEL_ALL_ORDERS = _ep("allOpenOrders", "DELETE", "/fapi/v1/allOpenOrders")
COUNTDOWN_CANCEL_ALL = _ep("countdownCancelAll", "POST", "/fapi/v1/countdownCancelAll", 10)
LEVERAGE = _ep("leverage", "POST", "/fapi/v1/leverage")
MARGIN_TYPE = _ep("marginType", "POST", "/fapi/v1/marginType")
BALANCE = _ep("balance", "GET", "/fapi/v2/balance", 5)
ACCOUNT = _ep("account", "GET", "/fapi/v4/account", 5, v3="/fapi/v3/accountWithJoinMargin")
POSITION_RISK = _ep("positionRisk", "GET", "/fapi/v2/positionRisk", 5)
USER_TRADES = _ep("userTrades", "GET", "/fapi/v1/userTrades", 5)
INCOME = _ep("income", "GET", "/fapi/v1/income", 30)
# v3 only: strategy orders (OTO / OCO / OTOCO), held and triggered by the exchange.
PLACE_STRATEGY_ORDER = _ep("placeStrategyOrder", "POST", _UNDOCUMENTED, 50, order=True,
                           idempotent=False)
UPDATE_STRATEGY_ORDER = _ep("updateStrategyOrder", "POST", _UNDOCUMENTED, 50, order=True,
                            idempotent=False)
STRATEGY_OPEN_ORDER = _ep("strategyOpenOrder", "GET", _UNDOCUMENTED, 5)
STRATEGY_HISTORY_ORDER = _ep("strategyHistoryOrder", "GET", _UNDOCUMENTED, 5)
# v3 only: a chase order, a post-only limit the venue keeps pegged to the best bid or ask
PLACE_CHASE = _ep("chase", "POST", _UNDOCUMENTED, order=True, idempotent=False)
# batches (`batches.py`): up to 5 new orders (one nonce for all), up to 10 cancels
BATCH_ORDERS = _ep("batchOrders", "POST", "/fapi/v1/batchOrders", 5, order=True,
                   idempotent=False)
CANCEL_BATCH = _ep("batchOrders", "DELETE", "/fapi/v1/batchOrders")
# account modes and isolated margin (`margin_desk.py`); setting a mode is idempotent
POSITION_MODE = _ep("positionSide/dual", "GET", "/fapi/v1/positionSide/dual", 30)
SET_POSITION_MODE = _ep("positionSide/dual", "POST", "/fapi/v1/positionSide/dual")
MULTI_ASSETS = _ep("multiAssetsMargin", "GET", "/fapi/v1/multiAssetsMargin", 30)
SET_MULTI_ASSETS = _ep("multiAssetsMargin", "POST", "/fapi/v1/multiAssetsMargin")
POSITION_MARGIN = _ep("positionMargin", "POST", "/fapi/v1/positionMargin", idempotent=False)
MARGIN_HISTORY = _ep("positionMargin/history", "GET", "/fapi/v1/positionMargin/history")
# v3 only: spends a nonce, cancelling a queued request signed with it (outcome.py).
NOOP = _ep("noop", "POST", _UNDOCUMENTED, idempotent=False)

_STREAM = Security.USER_STREAM
LISTEN_KEY_CREATE = _ep("listenKey", "POST", "/fapi/v1/listenKey", security=_STREAM,
                        idempotent=False)
LISTEN_KEY_KEEPALIVE = _ep("listenKey", "PUT", "/fapi/v1/listenKey", security=_STREAM)
LISTEN_KEY_DELETE = _ep("listenKey", "DELETE", "/fapi/v1/listenKey", security=_STREAM)

ALL_ENDPOINTS: tuple[Endpoint, ...] = (
    PING, TIME, EXCHANGE_INFO, PREMIUM_INDEX, TICKER_PRICE, DEPTH, TICKER_24HR, KLINES,
    NEW_ORDER, MODIFY_ORDER, QUERY_ORDER, CANCEL_ORDER, OPEN_ORDERS, ALL_ORDERS,
    CANCEL_ALL_ORDERS, COUNTDOWN_CANCEL_ALL, LEVERAGE, MARGIN_TYPE, BALANCE, ACCOUNT,
    POSITION_RISK, USER_TRADES, INCOME,
    BATCH_ORDERS, CANCEL_BATCH, POSITION_MODE, SET_POSITION_MODE, MULTI_ASSETS,
    SET_MULTI_ASSETS, POSITION_MARGIN, MARGIN_HISTORY,
    NOOP, PLACE_STRATEGY_ORDER, UPDATE_STRATEGY_ORDER, STRATEGY_OPEN_ORDER,
    STRATEGY_HISTORY_ORDER, PLACE_CHASE,
    LISTEN_KEY_CREATE, LISTEN_KEY_KEEPALIVE, LISTEN_KEY_DELETE,
)  # fmt: skip
