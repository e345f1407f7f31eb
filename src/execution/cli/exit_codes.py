"""Exit codes of `aster-exec` and the mapping from this package's errors to them.

A script can tell from the code alone what failed; the message says the rest in one line.
"""

from __future__ import annotations

import enum

from execution.errors import (
    AuthenticationError,
    ConfigurationError,
    ExchangeError,
    ExchangeUnavailableError,
    LiveTradingNotAllowedError,
    NetworkError,
    OrderStatusUnknownError,
    RateLimitError,
    ValidationError,
)


class ExitCode(enum.IntEnum):
    """What the process exit status means."""

    OK = 0
    INTERNAL = 1  # a bug: run again with --debug and report the traceback
    USAGE = 2  # bad command line or input rejected locally; nothing was sent
    AUTH = 3  # missing or rejected credentials, or an unusable configuration
    REJECTED = 4  # the exchange answered and refused (order rejected, unknown order...)
    UNAVAILABLE = 5  # network failure, exchange down, rate limited or banned
    LIVE_NOT_ALLOWED = 6  # mainnet trading without the explicit opt-in (or not confirmed)
    STATUS_UNKNOWN = 7  # an order's fate could not be settled: check before retrying
    INTERRUPTED = 130  # Ctrl-C


EXIT_CODE_HELP: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.INTERNAL: "unexpected internal error (rerun with --debug for the traceback)",
    ExitCode.USAGE: "usage error or input rejected locally; nothing was sent",
    ExitCode.AUTH: "credentials missing, rejected, or configuration unusable",
    ExitCode.REJECTED: "the exchange rejected the request",
    ExitCode.UNAVAILABLE: "network error, exchange unavailable, rate limited or banned",
    ExitCode.LIVE_NOT_ALLOWED: "mainnet trading without --live (or not confirmed)",
    ExitCode.STATUS_UNKNOWN: "an order's status is unknown: check open orders before retrying",
    ExitCode.INTERRUPTED: "interrupted",
}


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code that names what kind of failure `error` is. Order matters: the most
    specific classes come first (a LiveTradingNotAllowedError is also a ConfigurationError)."""
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(error, LiveTradingNotAllowedError):
        return ExitCode.LIVE_NOT_ALLOWED
    if isinstance(error, ValidationError):
        return ExitCode.USAGE
    if isinstance(error, ConfigurationError | AuthenticationError):
        return ExitCode.AUTH
    if isinstance(error, OrderStatusUnknownError):
        return ExitCode.STATUS_UNKNOWN
    if isinstance(error, NetworkError | ExchangeUnavailableError | RateLimitError):
        return ExitCode.UNAVAILABLE
    if isinstance(error, ExchangeError):
        return ExitCode.REJECTED
    if isinstance(error, ConnectionError | TimeoutError | OSError):
        return ExitCode.UNAVAILABLE
    return ExitCode.INTERNAL


def describe_error(error: BaseException) -> str:
    """One readable line for `error`, never a traceback and never a secret."""
    if isinstance(error, ValidationError):
        if error.value is None:
            return f"{error.field}: {error.rule}"
        return f"invalid {error.field} {_short(error.value)}: {error.rule}"
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    if isinstance(error, AuthenticationError):
        return f"authentication failed: {' '.join(str(error).split())}"
    kind = {
        ExitCode.AUTH: "configuration",
        ExitCode.REJECTED: "rejected by the exchange",
        ExitCode.UNAVAILABLE: "exchange unavailable",
        ExitCode.LIVE_NOT_ALLOWED: "live trading not allowed",
        ExitCode.STATUS_UNKNOWN: "order status unknown",
        ExitCode.INTERNAL: f"internal error ({type(error).__name__})",
    }.get(exit_code_for(error), "error")
    text = str(error).strip() or type(error).__name__
    return f"{kind}: {' '.join(text.split())}"


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
