"""One exception hierarchy for the whole package.

Every error raised by `execution` derives from `ExecutionError`. Errors from the venue carry
the exchange's numeric code and message; validation errors carry the field, the value and
the rule that failed, so a caller (or a log reader) knows exactly what to fix.
"""

from __future__ import annotations

from typing import Any


class ExecutionError(Exception):
    """Base class of every error raised by this package."""


class ValidationError(ExecutionError, ValueError):
    """Input rejected locally, before anything was sent.

    `field` names the offending parameter, `value` is what was given (never a secret) and
    `rule` states the rule it broke.
    """

    def __init__(self, field: str, value: Any, rule: str) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        super().__init__(f"{field}={value!r}: {rule}")


class ConfigurationError(ExecutionError):
    """The client or a tool is configured in a way that cannot work (missing credentials...)."""


class LiveTradingNotAllowedError(ConfigurationError):
    """Mainnet trading was requested without the explicit opt-in."""


class NetworkError(ExecutionError):
    """A transport failure: connection refused, reset, or timed out."""


class ExchangeError(ExecutionError):
    """The exchange answered with an error. `code` and `message` are the exchange's own."""

    def __init__(
        self, message: str, *, code: int | None = None, http_status: int | None = None
    ) -> None:
        self.code = code
        self.message = message
        self.http_status = http_status
        prefix = f"[{code}] " if code is not None else ""
        status = f" (HTTP {http_status})" if http_status is not None else ""
        super().__init__(f"{prefix}{message}{status}")


class AuthenticationError(ExchangeError):
    """Bad key, bad signature, unknown signer or missing permission (-1022, -2014, -2015)."""


class TimestampError(ExchangeError):
    """Request timestamp or nonce outside the accepted window (-1021, -4225)."""


class InsufficientMarginError(ExchangeError):
    """Not enough margin for the order (-2019)."""


class InvalidOrderError(ExchangeError):
    """The exchange refused the order's parameters. `filter_name` names the failed filter."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        filter_name: str | None = None,
    ) -> None:
        super().__init__(message, code=code, http_status=http_status)
        self.filter_name = filter_name


class OrderNotFoundError(ExchangeError):
    """The order does not exist on the exchange (-2013, -2011 unknown order)."""


class MismatchedAnswerError(ExchangeError):
    """The exchange's answer about an order describes another one: its symbol, order id or
    client order id differs from the request's (a stale order id that a restarted exchange
    reused, a proxy or venue fault). The answer is not applied to any order; what the
    request did (if anything) to the order it named is for a fresh query to tell.

    `expected` and `answered` map the fields compared ("symbol", "order_id",
    "client_order_id") to the request's and the answer's values."""

    def __init__(
        self, message: str, *, expected: dict[str, str], answered: dict[str, str]
    ) -> None:
        super().__init__(message)
        self.expected = expected
        self.answered = answered


class DuplicateOrderError(InvalidOrderError):
    """The client order id is already used by an open order."""


class RateLimitError(ExchangeError):
    """Too many requests (HTTP 429, -1003). `retry_after` is in seconds when known."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, http_status=http_status)
        self.retry_after = retry_after


class WafLimitError(RateLimitError):
    """HTTP 403: the venue's web application firewall limit was hit (v1 and v3 docs, "HTTP
    Return Codes"). The request was stopped before the exchange: back off, do not treat it
    as bad credentials. `retry_after` is in seconds when known."""


class IpBannedError(RateLimitError):
    """HTTP 418: the IP is banned until `banned_until` (epoch seconds)."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = 418,
        retry_after: float | None = None,
        banned_until: float | None = None,
    ) -> None:
        super().__init__(message, code=code, http_status=http_status, retry_after=retry_after)
        self.banned_until = banned_until


class ExchangeUnavailableError(ExchangeError):
    """The exchange (every configured endpoint) is unreachable or failing with 5xx."""


class OrderStatusUnknownError(ExchangeError):
    """The exchange could not say whether an order was executed (503, -1007).

    The client resolves this by querying the client order id; it surfaces only when that
    query itself could not settle the question.
    """


# -- store


class StoreError(ExecutionError):
    """The order store could not do what was asked of it."""


class StoreUnavailableError(StoreError):
    """The order store could not commit (disk full, I/O error): what was asked was not
    persisted. A placement refused with it sent nothing."""


class StoreLockedError(StoreError):
    """The store file is held by another `OrderStore` (another manager, in this process or
    another one). `path` is the file, `owner_pid` the holder's process id when known."""

    def __init__(self, path: str, owner_pid: int | None, detail: str = "") -> None:
        self.path = path
        self.owner_pid = owner_pid
        owner = f" by process {owner_pid}" if owner_pid is not None else ""
        super().__init__(
            f"the order store {path} is already in use{owner}{detail}: one manager a store file"
        )


class StoreVersionError(StoreError):
    """The store was written by a newer version of this package (its schema version
    `found` is above `supported`): its layout is unknown here, so it is refused rather
    than misread. `location` names the store. Open it with the version that wrote it."""

    def __init__(self, location: str, found: int, supported: int) -> None:
        self.location = location
        self.found = found
        self.supported = supported
        super().__init__(
            f"the order store {location} has schema version {found}, newer than this "
            f"package's {supported}: open it with the version that wrote it"
        )
