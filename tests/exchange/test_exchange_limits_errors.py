"""Rate limiter budgets, headers, 429 pause and 418 ban; the error mapping table."""

from __future__ import annotations

import time

import pytest

from execution.errors import (
    AuthenticationError,
    DuplicateOrderError,
    ExchangeError,
    ExchangeUnavailableError,
    InsufficientMarginError,
    InvalidOrderError,
    IpBannedError,
    OrderNotFoundError,
    OrderStatusUnknownError,
    RateLimitError,
    TimestampError,
)
from execution.exchange.error_map import map_error
from execution.exchange.rate_limit import (
    Budget,
    RateLimiter,
    budgets_from_exchange_info,
)
from execution.exchange.transport import error_from_response


def test_budgets_from_exchange_info() -> None:
    budgets = budgets_from_exchange_info(
        [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
             "limit": 2400},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
            {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 1,
             "limit": 9},
        ]
    )
    assert [(b.kind, b.interval_s, b.limit) for b in budgets] == [
        ("REQUEST_WEIGHT", 60, 2400),
        ("ORDERS", 10, 300),
        ("ORDERS", 60, 1200),
    ]
    assert [b.header_suffix() for b in budgets] == ["1M", "10S", "1M"]


def test_default_budget_is_1200_per_minute() -> None:
    limiter = RateLimiter()
    assert any(b.kind == "REQUEST_WEIGHT" and b.limit == 1200 and b.interval_s == 60
               for b in limiter.budgets)


async def test_acquire_counts_weight_and_orders() -> None:
    limiter = RateLimiter([Budget("REQUEST_WEIGHT", 60, 100), Budget("ORDERS", 10, 5)])
    await limiter.acquire(7)
    await limiter.acquire(1, is_order=True)
    weight, orders = limiter.budgets
    assert weight.used == 8 and orders.used == 1


async def test_exhausted_budget_beyond_max_wait_raises_without_sending() -> None:
    limiter = RateLimiter([Budget("REQUEST_WEIGHT", 3600, 10)], max_wait=0.01)
    await limiter.acquire(10)
    with pytest.raises(RateLimitError) as info:
        await limiter.acquire(1)
    assert info.value.retry_after is not None and info.value.retry_after > 0


async def test_headers_overwrite_local_counts() -> None:
    limiter = RateLimiter([Budget("REQUEST_WEIGHT", 60, 2400), Budget("ORDERS", 10, 300)])
    await limiter.acquire(1)
    limiter.update_from_headers({"X-MBX-USED-WEIGHT-1M": "1234", "x-mbx-order-count-10s": "7",
                                 "Content-Type": "application/json"})
    weight, orders = limiter.budgets
    assert weight.used == 1234 and orders.used == 7


async def test_429_pauses_every_request() -> None:
    limiter = RateLimiter(max_wait=5)
    limiter.on_too_many_requests(0.2)
    start = time.monotonic()
    await limiter.acquire(1)
    assert time.monotonic() - start >= 0.15


async def test_418_halts_everything_and_says_until_when() -> None:
    limiter = RateLimiter()
    until = time.time() + 120
    limiter.on_ban(until)
    with pytest.raises(IpBannedError) as info:
        await limiter.acquire(1)
    assert info.value.banned_until == until
    assert "banned until" in str(info.value)


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (400, -1021, "Timestamp outside recvWindow", TimestampError),
        (400, -4225, "Nonce expired", TimestampError),
        (400, -1022, "Signature invalid", AuthenticationError),
        (401, -2014, "API-key format invalid.", AuthenticationError),
        (401, -2015, "Invalid API-key", AuthenticationError),
        (400, -2019, "Margin is insufficient.", InsufficientMarginError),
        (400, -2013, "Order does not exist.", OrderNotFoundError),
        (400, -2011, "Unknown order sent.", OrderNotFoundError),
        (400, -2011, "Cancel rejected: order is being matched", InvalidOrderError),
        (400, -1013, "Filter failure: PRICE_FILTER", InvalidOrderError),
        (400, -4164, "Order's notional must be no smaller than 5", InvalidOrderError),
        (400, -1121, "Invalid symbol.", InvalidOrderError),
        (400, -2021, "Order would immediately trigger.", InvalidOrderError),
        (400, -2022, "ReduceOnly Order is rejected.", InvalidOrderError),
        (400, -4116, "ClientOrderId is duplicated.", DuplicateOrderError),
        (429, -1003, "Too many requests", RateLimitError),
        (418, -1003, "Way too many requests; IP banned", IpBannedError),
        (503, -1007, "Timeout waiting for response", OrderStatusUnknownError),
        (503, None, "Service Unavailable", OrderStatusUnknownError),
        (502, None, "Bad gateway", ExchangeUnavailableError),
        (400, -9999, "Something new", ExchangeError),
    ],
)
def test_error_mapping_table(
    status: int, code: int | None, message: str, expected: type[ExchangeError]
) -> None:
    error = map_error(status, code, message)
    assert type(error) is expected
    assert error.code == code and message in error.message
    assert error.http_status == status


def test_filter_failures_name_the_filter() -> None:
    price = map_error(400, -1013, "Filter failure: PRICE_FILTER")
    notional = map_error(400, -4164, "Order's notional must be no smaller than 5.0")
    assert isinstance(price, InvalidOrderError) and price.filter_name == "PRICE_FILTER"
    assert isinstance(notional, InvalidOrderError) and notional.filter_name == "MIN_NOTIONAL"


def test_error_from_response_reads_json_and_retry_after() -> None:
    error = error_from_response(429, b'{"code":-1003,"msg":"slow down"}', {"Retry-After": "3"})
    assert isinstance(error, RateLimitError) and error.retry_after == 3.0
    banned = error_from_response(418, b'{"code":-1003,"msg":"banned"}', {"Retry-After": "120"})
    assert isinstance(banned, IpBannedError)
    assert banned.banned_until is not None and banned.banned_until > time.time() + 100
    garbage = error_from_response(500, b"<html>oops</html>", {})
    assert isinstance(garbage, ExchangeUnavailableError) and "oops" in garbage.message
