"""The exchange's error codes and HTTP statuses, mapped to this package's exceptions.

One table from code to exception class; the filter that failed is named for filter
failures. Every exception carries the exchange's code, message and HTTP status.
"""

from __future__ import annotations

import re
import time

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
    WafLimitError,
)
from execution.timekeeping import now_s

CODE_TO_ERROR: dict[int, type[ExchangeError]] = {
    -1000: ExchangeUnavailableError,  # unknown error while processing
    -1001: ExchangeUnavailableError,  # internal disconnect
    -1003: RateLimitError,
    -1006: OrderStatusUnknownError,  # unexpected response: status unknown
    -1007: OrderStatusUnknownError,  # timeout waiting for the backend: status unknown
    -1008: ExchangeUnavailableError,  # server overloaded
    -1013: InvalidOrderError,
    -1021: TimestampError,
    -1022: AuthenticationError,
    -1100: InvalidOrderError,
    -1101: InvalidOrderError,
    -1102: InvalidOrderError,
    -1106: InvalidOrderError,
    -1111: InvalidOrderError,
    -1115: InvalidOrderError,
    -1116: InvalidOrderError,
    -1117: InvalidOrderError,
    -1121: InvalidOrderError,
    -1130: InvalidOrderError,
    -2010: InvalidOrderError,
    -2011: OrderNotFoundError,  # cancel rejected: unknown order
    -2013: OrderNotFoundError,
    -2014: AuthenticationError,
    -2015: AuthenticationError,
    -2018: InsufficientMarginError,
    -2019: InsufficientMarginError,
    -2021: InvalidOrderError,
    -2022: InvalidOrderError,
    -4003: InvalidOrderError,
    -4015: InvalidOrderError,
    -4016: InvalidOrderError,  # price above the mark-price cap (PERCENT_PRICE)
    -4061: InvalidOrderError,
    -4116: DuplicateOrderError,  # client order id is duplicated
    -4164: InvalidOrderError,
    -4225: TimestampError,  # v3 nonce expired or duplicate
}

# Filter named by a code when the message does not name one.
CODE_TO_FILTER: dict[int, str] = {
    -1111: "PRECISION",
    -4003: "LOT_SIZE",
    -4016: "PERCENT_PRICE",
    -4024: "PERCENT_PRICE",
    -4164: "MIN_NOTIONAL",
    -2021: "STOP_PRICE",
    -2022: "REDUCE_ONLY",
}

_FILTER_IN_MESSAGE = re.compile(
    r"\b(PRICE_FILTER|PERCENT_PRICE|LOT_SIZE|MARKET_LOT_SIZE|MIN_NOTIONAL|MAX_NUM_ORDERS|"
    r"MAX_NUM_ALGO_ORDERS|NOTIONAL)\b"
)

DEFAULT_BAN_SECONDS = 120.0


def filter_name_of(code: int | None, message: str) -> str | None:
    """The exchange filter a rejection names (`Filter failure: LOT_SIZE`), if any."""
    match = _FILTER_IN_MESSAGE.search(message)
    if match:
        return match.group(1)
    return CODE_TO_FILTER.get(code) if code is not None else None


def map_error(
    http_status: int,
    code: int | None,
    message: str,
    *,
    retry_after: float | None = None,
    now: float | None = None,
) -> ExchangeError:
    """The typed exception for an error response (HTTP status, JSON code and msg); `now`
    (epoch seconds on the rate limiter's clock, `now_s()` by default) dates a ban's end."""
    if http_status == 418:
        wait = retry_after if retry_after is not None else DEFAULT_BAN_SECONDS
        until = (now_s() if now is None else now) + wait  # on the limiter's clock
        stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(until))
        return IpBannedError(
            f"IP banned until {stamp}: {message}",
            code=code,
            http_status=418,
            retry_after=wait,
            banned_until=until,
        )
    if http_status == 403:  # the WAF limit (v1/v3 docs), whatever the body says
        return WafLimitError(
            f"WAF limit hit, backing off: {message}", code=code, http_status=403,
            retry_after=retry_after,
        )
    if http_status == 429 or code == -1003:
        return RateLimitError(message, code=code, http_status=http_status, retry_after=retry_after)
    error_class = CODE_TO_ERROR.get(code) if code is not None else None
    if error_class is None and code is not None and http_status < 500 and (
        -1199 <= code <= -1100 or -4999 <= code <= -4000
    ):
        error_class = InvalidOrderError  # request issues (11xx) and filters (40xx)
    if error_class is None:
        if http_status == 503:
            error_class = OrderStatusUnknownError
        elif http_status >= 500:
            error_class = ExchangeUnavailableError
        elif http_status == 401:
            error_class = AuthenticationError
        else:
            error_class = ExchangeError
    if code == -2011 and "unknown order" not in message.lower():
        error_class = InvalidOrderError  # cancel rejected for another reason
    if issubclass(error_class, InvalidOrderError):
        return error_class(
            message,
            code=code,
            http_status=http_status,
            filter_name=filter_name_of(code, message),
        )
    if error_class is RateLimitError:
        return RateLimitError(message, code=code, http_status=http_status, retry_after=retry_after)
    return error_class(message, code=code, http_status=http_status)
