"""The clients raced in the round-trip benchmark, each on its own simulator account.

- `client v1` / `client v3`: this package's `AsterDEXExchange` (HMAC / EIP-712);
- `floor v1` / `floor v3`: a bare signed aiohttp request (`bench.floor`);
- `ccxt binanceusdm` (HMAC) / `ccxt aster` (EIP-712), pointed at the simulator.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from bench.ccxt_clients import CcxtOrders, make_aster, make_binanceusdm
from bench.floor import FloorClient, FloorOrders
from bench.roundtrip import Contender
from bench.sim_process import AccountCredentials, SimulatorInfo
from execution.auth import Eip712Credentials, HmacCredentials
from execution.exchange.base import BaseExchange
from execution.models import OrderSide, OrderType, TimeInForce
from execution.secrets import Secret

CLIENT_V1 = "client v1 (HMAC)"
CLIENT_V3 = "client v3 (EIP-712)"
FLOOR_V1 = "floor v1 (HMAC)"
FLOOR_V3 = "floor v3 (EIP-712)"
CCXT_BINANCEUSDM = "ccxt binanceusdm (HMAC)"
CCXT_ASTER = "ccxt aster (EIP-712)"

ALL_CONTENDERS = (FLOOR_V1, CLIENT_V1, CCXT_BINANCEUSDM, FLOOR_V3, CLIENT_V3, CCXT_ASTER)
MIN_ORDER_NOTIONAL = Decimal(20)  # above any symbol's minimum notional
FLOOR_OF = {
    CLIENT_V1: FLOOR_V1,
    CCXT_BINANCEUSDM: FLOOR_V1,
    CLIENT_V3: FLOOR_V3,
    CCXT_ASTER: FLOOR_V3,
    FLOOR_V1: FLOOR_V1,
    FLOOR_V3: FLOOR_V3,
}


def hmac_credentials(account: AccountCredentials) -> HmacCredentials:
    return HmacCredentials(account.api_key, Secret(account.api_secret))


def eip712_credentials(account: AccountCredentials) -> Eip712Credentials:
    return Eip712Credentials(account.user, account.signer, Secret(account.signer_private_key))


class OrderParameters:
    """The one order every contender places: a resting LIMIT BUY under the market."""

    def __init__(self, info: SimulatorInfo) -> None:
        self.symbol = info.symbol
        raw_price = info.mark_price * Decimal("0.95")  # rests, never fills, within price bands
        self.price = (raw_price / info.tick_size).to_integral_value(ROUND_FLOOR) * info.tick_size
        steps = (MIN_ORDER_NOTIONAL / self.price / info.step_size).to_integral_value(ROUND_CEILING)
        self.quantity = max(steps, Decimal(1)) * info.step_size


def _canceller(base_url: str, account: AccountCredentials, symbol: str) -> tuple[
    Callable[[], Awaitable[None]], Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]
]:
    """(start, close, cancel open orders) using a private v1 connection to the account."""
    client = FloorClient(base_url, hmac_credentials(account))
    orders = FloorOrders(client, symbol, "0", "0")
    return client.start, client.close, orders.cancel_all


class _ClientOrders:
    """`AsterDEXExchange` placing and cancelling the benchmark order."""

    def __init__(self, exchange: BaseExchange, order: OrderParameters) -> None:
        self.exchange = exchange
        self.order = order

    async def create(self) -> str:
        placed = await self.exchange.create_order(
            self.order.symbol,
            OrderSide.BUY,
            OrderType.LIMIT,
            self.order.quantity,
            price=self.order.price,
            time_in_force=TimeInForce.GTC,
        )
        return str(placed.order_id)

    async def cancel(self, order_id: str) -> None:
        await self.exchange.cancel_order(order_id, self.order.symbol)


def _with_canceller(
    name: str,
    flow: object,
    start: Callable[[], Awaitable[None]],
    close: Callable[[], Awaitable[None]],
    info: SimulatorInfo,
    account: AccountCredentials,
) -> Contender:
    start_cleanup, close_cleanup, cancel_all = _canceller(info.rest_url, account, info.symbol)

    async def start_both() -> None:
        await start_cleanup()
        await start()

    async def close_both() -> None:
        await close()
        await close_cleanup()

    return Contender(
        name=name,
        flow=flow,  # type: ignore[arg-type]
        start=start_both,
        close=close_both,
        cancel_open_orders=cancel_all,
    )


def build_contenders(info: SimulatorInfo, names: tuple[str, ...] = ALL_CONTENDERS) -> list[
    Contender
]:
    """The named contenders, one simulator account each (needs len(names) accounts)."""
    if len(info.accounts) < len(names):
        raise ValueError(f"{len(names)} contenders need as many simulator accounts")
    order = OrderParameters(info)
    contenders = []
    for name, account in zip(names, info.accounts, strict=False):
        if name in (FLOOR_V1, FLOOR_V3):
            credentials: HmacCredentials | Eip712Credentials = (
                hmac_credentials(account) if name == FLOOR_V1 else eip712_credentials(account)
            )
            client = FloorClient(info.rest_url, credentials)
            flow: object = FloorOrders(client, order.symbol, str(order.quantity), str(order.price))
            contenders.append(_with_canceller(
                name, flow, client.start, client.close, info, account
            ))
        elif name in (CLIENT_V1, CLIENT_V3):
            from execution.exchange.asterdex import AsterDEXExchange

            credentials = (
                hmac_credentials(account) if name == CLIENT_V1 else eip712_credentials(account)
            )
            exchange = AsterDEXExchange(
                credentials, rest_urls=[info.rest_url], ws_url=info.ws_url
            )
            flow = _ClientOrders(exchange, order)
            contenders.append(_with_canceller(
                name, flow, exchange.connect, exchange.close, info, account
            ))
        elif name == CCXT_BINANCEUSDM:
            ccxt_exchange = make_binanceusdm(
                info.rest_url, api_key=account.api_key, api_secret=account.api_secret
            )
            ccxt_flow = CcxtOrders(ccxt_exchange, float(order.quantity), float(order.price))
            contenders.append(_with_canceller(
                name, ccxt_flow, ccxt_flow.start, ccxt_flow.close, info, account
            ))
        elif name == CCXT_ASTER:
            ccxt_exchange = make_aster(info.rest_url, private_key=account.user_private_key)
            ccxt_flow = CcxtOrders(ccxt_exchange, float(order.quantity), float(order.price))
            contenders.append(_with_canceller(
                name, ccxt_flow, ccxt_flow.start, ccxt_flow.close, info, account
            ))
        else:
            raise ValueError(f"unknown contender {name!r}")
    return contenders
