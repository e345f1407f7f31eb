"""HTTP 403 is the venue's WAF limit (v1 and v3 docs, "HTTP Return Codes"): a rate-limit
class error with a pause of every request, never an authentication error."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from execution.errors import AuthenticationError, RateLimitError, WafLimitError
from execution.exchange.rate_limit import WAF_PAUSE_SECONDS, RateLimiter
from execution.exchange.transport import error_from_response
from execution.models import OrderSide, OrderType
from execution.simulator import SimulatedExchange

D = Decimal
SYMBOL = "BTCUSDT"


@pytest.mark.parametrize(
    "body",
    [b"<html><body>403 Forbidden</body></html>", b"", b'{"code":-2015,"msg":"Forbidden"}'],
)
def test_403_maps_to_the_waf_limit_whatever_the_body(body: bytes) -> None:
    error = error_from_response(403, body, {"Retry-After": "7"})
    assert isinstance(error, WafLimitError) and isinstance(error, RateLimitError)
    assert not isinstance(error, AuthenticationError)
    assert error.http_status == 403 and error.retry_after == 7.0


def test_401_is_still_an_authentication_error() -> None:
    assert isinstance(error_from_response(401, b"", {}), AuthenticationError)


def test_a_waf_pause_defaults_and_honours_retry_after() -> None:
    limiter = RateLimiter()
    assert limiter.on_waf_limit(None) == WAF_PAUSE_SECONDS
    assert limiter.on_waf_limit(120.0) == 120.0


async def test_a_403_pauses_sending_and_is_not_an_auth_error(
    make_client: Any, simulator: SimulatedExchange, auth: str
) -> None:
    async with make_client(simulator, auth) as client:
        simulator.faults.fail_requests(count=1, status=403, code=-2015, path="balance",
                                       method="GET")
        with pytest.raises(WafLimitError):
            await client.fetch_balance()
        sent = len(simulator.request_log)
        with pytest.raises(RateLimitError):  # held back: nothing goes out during the pause
            await client.fetch_balance()
        assert len(simulator.request_log) == sent
        client.rate_limiter.resume()
        assert "USDT" in await client.fetch_balance()


async def test_an_order_stopped_by_the_waf_is_not_placed(
    make_client: Any, simulator: SimulatedExchange, auth: str
) -> None:
    async with make_client(simulator, auth) as client:
        price = (await client.fetch_mark_price(SYMBOL) * D("0.9")).quantize(D("0.1"))
        simulator.faults.fail_requests(count=1, status=403, code=-2015, path="order",
                                       method="POST")
        with pytest.raises(WafLimitError):
            await client.create_order(SYMBOL, OrderSide.BUY, OrderType.LIMIT, D("0.002"),
                                      price=price, client_order_id="waf-1")
        assert simulator.orders_created("waf-1") == 0
        assert "waf-1" not in client.tracked_orders
