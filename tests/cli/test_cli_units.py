"""The CLI's pure parts: exit codes, error lines, JSON rendering, option resolution."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from execution.cli.connect import mask
from execution.cli.exit_codes import ExitCode, describe_error, exit_code_for
from execution.cli.options import AuthScheme, Venue, VenueConfig, venue_config
from execution.cli.output import dumps
from execution.errors import (
    AuthenticationError,
    ConfigurationError,
    ExchangeUnavailableError,
    InsufficientMarginError,
    IpBannedError,
    LiveTradingNotAllowedError,
    NetworkError,
    OrderNotFoundError,
    OrderStatusUnknownError,
    ValidationError,
)
from execution.models import OrderSide
from execution.secrets import Secret


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ValidationError("quantity", Decimal(-1), "must be greater than 0"), ExitCode.USAGE),
        (ConfigurationError("missing credentials"), ExitCode.AUTH),
        (AuthenticationError("bad signature", code=-1022), ExitCode.AUTH),
        (InsufficientMarginError("margin", code=-2019), ExitCode.REJECTED),
        (OrderNotFoundError("unknown order", code=-2013), ExitCode.REJECTED),
        (NetworkError("connection refused"), ExitCode.UNAVAILABLE),
        (ExchangeUnavailableError("503"), ExitCode.UNAVAILABLE),
        (IpBannedError("banned", code=-1003), ExitCode.UNAVAILABLE),
        (LiveTradingNotAllowedError("mainnet"), ExitCode.LIVE_NOT_ALLOWED),
        (OrderStatusUnknownError("unknown", code=-1007), ExitCode.STATUS_UNKNOWN),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (RuntimeError("bug"), ExitCode.INTERNAL),
    ],
)
def test_exit_codes(error: BaseException, code: ExitCode) -> None:
    assert exit_code_for(error) is code
    line = describe_error(error)
    assert "\n" not in line and line


def test_error_line_names_the_field() -> None:
    line = describe_error(ValidationError("quantity", Decimal(-1), "must be greater than 0"))
    assert line == "invalid quantity -1: must be greater than 0"
    multi = describe_error(NetworkError("first line\n  second line"))
    assert multi == "exchange unavailable: first line second line"


def test_json_keeps_decimals_exact() -> None:
    rendered = json.loads(dumps({"q": Decimal("0.1000"), "side": OrderSide.BUY, "n": None,
                                 "x": [Decimal("1E+3")]}))
    assert rendered == {"q": "0.1", "side": "BUY", "n": None, "x": ["1000"]}


def test_mask() -> None:
    assert mask("abcdefghijklmnop") == "abcd…mnop"
    assert mask("short") == "short"


def config(**options: Any) -> VenueConfig:
    base: dict[str, Any] = {
        "venue": Venue.SIMULATOR, "url": None, "ws_url": None, "testnet": False, "live": False,
        "auth": AuthScheme.AUTO, "api_key": None, "api_secret": None, "user": None,
        "signer": None, "seed": 7,
    }
    return venue_config(**{**base, **options})


def test_mainnet_needs_live(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ASTER_API_KEY", "ASTER_API_SECRET", "ASTER_USER", "ASTER_PRIVATE_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert not config().is_mainnet and config().embedded
    assert not config(venue=Venue.ASTERDEX, testnet=True).is_mainnet
    mainnet = config(venue=Venue.ASTERDEX)
    assert mainnet.is_mainnet
    with pytest.raises(LiveTradingNotAllowedError):
        mainnet.require_trading_allowed()
    config(venue=Venue.ASTERDEX, live=True).require_trading_allowed()


def test_binance_never_gets_the_asterdex_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASTER_API_KEY", "aster-key")
    monkeypatch.setenv("ASTER_API_SECRET", "aster-secret")
    monkeypatch.delenv("BINANCE_API_KEY", raising=False)
    monkeypatch.delenv("BINANCE_API_SECRET", raising=False)
    with pytest.raises(ConfigurationError):
        config(venue=Venue.BINANCE).credentials()
    monkeypatch.setenv("BINANCE_API_KEY", "binance-key")
    monkeypatch.setenv("BINANCE_API_SECRET", "binance-secret")
    credentials = config(venue=Venue.BINANCE).credentials()
    assert credentials.api_key == "binance-key"  # type: ignore[union-attr]


def test_secrets_stay_wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASTER_PRIVATE_KEY", "0x" + "11" * 32)
    resolved = config(api_key="k", api_secret="top-secret", user="0x" + "22" * 20)
    assert isinstance(resolved.api_secret, Secret) and isinstance(resolved.private_key, Secret)
    assert "top-secret" not in repr(resolved) and "1111" not in repr(resolved)


def test_env_file_is_read(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "settings.env").write_text("ASTER_VENUE=asterdex\n")
    outcome = cli.run("--env-file", str(tmp_path / "settings.env"), "buy", "BTCUSDT", "0.01",
                      env={"ASTER_API_KEY": "k", "ASTER_API_SECRET": "s"})
    assert outcome.exit_code == 6  # the file made it a mainnet venue: refused without --live
    (tmp_path / ".env").write_text("ASTER_VENUE=binance\n")
    outcome = cli.run("buy", "BTCUSDT", "0.01")
    assert outcome.exit_code == 6 and "binance" in outcome.stderr
    missing = cli.run("--env-file", str(tmp_path / "nope.env"), "balance")
    assert missing.exit_code == 2 and missing.stderr.startswith("error: ")


@pytest.mark.parametrize(
    ("text", "symbol"),
    [("BTCUSDT", "BTCUSDT"), (" btcusdt ", "BTCUSDT"), ("BTC/USDT", "BTCUSDT"),
     ("eth/usdt:usdt", "ETHUSDT")],
)
def test_symbols_in_the_exchange_form(text: str, symbol: str) -> None:
    from execution.rules import normalize_symbol

    assert normalize_symbol(text) == symbol


@pytest.mark.parametrize("text", ["BTC-USDT", "BTC/USD:BTC", "", "BTC USDT"])
def test_bad_symbols(text: str) -> None:
    from execution.rules import normalize_symbol

    with pytest.raises(ValidationError) as caught:
        normalize_symbol(text)
    assert caught.value.field == "symbol"
