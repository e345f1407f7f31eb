"""The options every venue command shares, and the `VenueConfig` they resolve to.

Precedence: command-line flag, then environment variable, then `.env` (loaded at start-up
without overriding the environment). With no venue configured, commands run against the
local simulator: an embedded one started for the command (its state ends with the command)
or a running `aster-exec sim` given by `--url`.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlparse

import typer

from execution.auth import Credentials, Eip712Credentials, HmacCredentials
from execution.errors import ConfigurationError, LiveTradingNotAllowedError
from execution.exchange.endpoints import AuthScheme as WireScheme
from execution.exchange.venues import ASTERDEX, VENUES, VenueProfile, venue_profile
from execution.secrets import Secret

VENUE_PANEL = "Venue and credentials"
OUTPUT_PANEL = "Output"


class Venue(enum.StrEnum):
    SIMULATOR = "simulator"
    ASTERDEX = "asterdex"
    BINANCE = "binance"


def profile_of(venue: Venue) -> VenueProfile:
    """The venue's profile; the simulator speaks AsterDEX's protocol (and credentials)."""
    return ASTERDEX if venue is Venue.SIMULATOR else venue_profile(venue.value)


class AuthScheme(enum.StrEnum):
    AUTO = "auto"
    HMAC = "hmac"
    EIP712 = "eip712"


def _venue_text(flag: str, text: str, envvar: str | None = None) -> Any:
    """A text option of the venue panel, with no default to show."""
    return typer.Option(
        flag, envvar=envvar, help=text, rich_help_panel=VENUE_PANEL, show_default=False
    )


VenueOption = Annotated[
    Venue,
    typer.Option(
        "--venue",
        envvar="ASTER_VENUE",
        help="Where to send requests. 'simulator' is the local exchange.",
        rich_help_panel=VENUE_PANEL,
        case_sensitive=False,
    ),
]
UrlOption = Annotated[
    str | None,
    _venue_text(
        "--url",
        "REST base URL: a running 'aster-exec sim' (e.g. http://127.0.0.1:8090), or a "
        "host override for the venue. Without it the simulator venue starts an embedded "
        "simulator for this one command (its state is gone when the command ends).",
        envvar="ASTER_REST_URL",
    ),
]
WsUrlOption = Annotated[
    str | None,
    _venue_text(
        "--ws-url",
        "WebSocket base URL (default: derived from --url or the venue).",
        envvar="ASTER_WS_URL",
    ),
]
TestnetOption = Annotated[
    bool,
    typer.Option(
        "--testnet",
        envvar="ASTER_TESTNET",
        help="Use the venue's test environment.",
        rich_help_panel=VENUE_PANEL,
    ),
]
LiveOption = Annotated[
    bool,
    typer.Option(
        "--live",
        envvar="ASTER_ALLOW_LIVE",
        help="Explicit opt-in to trade on mainnet with real money. Without it, order "
        "commands refuse to touch a mainnet venue.",
        rich_help_panel=VENUE_PANEL,
    ),
]
AuthOption = Annotated[
    AuthScheme,
    typer.Option(
        "--auth",
        envvar="ASTER_AUTH",
        help="Signing scheme: v1 HMAC (API key + secret) or v3 EIP-712 (user, signer, "
        "private key). 'auto' picks the one whose credentials are present.",
        rich_help_panel=VENUE_PANEL,
        case_sensitive=False,
    ),
]
ApiKeyOption = Annotated[
    str | None,
    _venue_text("--api-key", "v1 API key (env ASTER_API_KEY; BINANCE_API_KEY for binance)."),
]
ApiSecretOption = Annotated[
    str | None,
    _venue_text(
        "--api-secret",
        "v1 API secret (env ASTER_API_SECRET; BINANCE_API_SECRET for binance). Prefer the "
        "environment or .env: a flag lands in shell history.",
    ),
]
UserOption = Annotated[
    str | None, _venue_text("--user", "v3 main wallet address (env ASTER_USER).")
]
SignerOption = Annotated[
    str | None,
    _venue_text(
        "--signer",
        "v3 approved signer (API wallet) address (env ASTER_SIGNER). Its private key "
        "is read from ASTER_PRIVATE_KEY (environment or .env only, never a flag).",
    ),
]
SeedOption = Annotated[
    int,
    typer.Option(
        "--seed",
        envvar="ASTER_SIM_SEED",
        help="Seed of the embedded simulator (prices and fills are reproducible).",
        rich_help_panel=VENUE_PANEL,
    ),
]
TimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout",
        envvar="ASTER_TIMEOUT",
        min=0.5,
        max=120.0,
        help="Seconds to wait for a connection and for each answer (env ASTER_TIMEOUT).",
        rich_help_panel=VENUE_PANEL,
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print JSON for scripts instead of tables.",
                 rich_help_panel=OUTPUT_PANEL),
]
DebugOption = Annotated[
    bool,
    typer.Option("--debug", help="Show the traceback and debug logs on error.",
                 rich_help_panel=OUTPUT_PANEL),
]
YesOption = Annotated[
    bool,
    typer.Option(
        "--yes",
        "-y",
        help="Do not ask for confirmation before a mainnet order (still needs --live).",
        rich_help_panel=VENUE_PANEL,
    ),
]

_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass(frozen=True, slots=True)
class VenueConfig:
    """Where a command goes and with which credentials. Secrets stay wrapped."""

    venue: Venue = Venue.SIMULATOR
    url: str | None = None
    ws_url: str | None = None
    testnet: bool = False
    live: bool = False
    auth: AuthScheme = AuthScheme.AUTO
    api_key: str | None = None
    api_secret: Secret | None = None
    user: str | None = None
    signer: str | None = None
    private_key: Secret | None = None
    seed: int = 7
    timeout: float = 10.0

    @property
    def embedded(self) -> bool:
        """True when the command starts its own simulator (nothing persists after it)."""
        return self.venue is Venue.SIMULATOR and not self.url

    @property
    def is_mainnet(self) -> bool:
        """True when orders would move real money."""
        if self.venue is Venue.SIMULATOR:
            return False
        return not self.testnet

    def require_trading_allowed(self) -> None:
        """Refuse a mainnet order without the explicit opt-in, before anything connects."""
        if self.is_mainnet and not self.live:
            raise LiveTradingNotAllowedError(
                f"{self.venue.value} mainnet trades real money: pass --live "
                "(or set ASTER_ALLOW_LIVE=1) to allow it, or use --testnet"
            )

    def credentials(self) -> Credentials:
        """The credentials for a remote venue (flags, then environment / .env)."""
        names = profile_of(self.venue).credentials
        has_hmac = bool(self.api_key or self.api_secret)
        has_v3 = bool(self.user or self.signer or self.private_key)
        scheme = self.auth
        if scheme is AuthScheme.AUTO:
            # As the client does: v3 when its credentials are there, else v1.
            scheme = AuthScheme.EIP712 if has_v3 and not has_hmac else AuthScheme.HMAC
            if self.user and self.private_key:
                scheme = AuthScheme.EIP712
        if scheme is AuthScheme.HMAC:
            if not self.api_key or not self.api_secret:
                missing = names.api_key if not self.api_key else names.api_secret
                v3 = (
                    f", or {names.user}, {names.signer} and {names.private_key} for v3"
                    if names.user else ""
                )
                raise ConfigurationError(
                    f"missing credentials for {self.target_label()}: set {missing} "
                    f"(or --api-key/--api-secret){v3}"
                )
            return HmacCredentials(self.api_key, self.api_secret)
        profile_of(self.venue).check_scheme(WireScheme.EIP712)  # Binance: v1 only
        if not self.user or not self.private_key:
            missing = str(names.user if not self.user else names.private_key)
            raise ConfigurationError(
                f"missing v3 credentials for {self.target_label()}: set {missing}"
            )
        return Eip712Credentials(self.user, self.signer, self.private_key)

    def target_label(self) -> str:
        """The venue in words: 'asterdex mainnet', 'simulator at http://...'."""
        if self.venue is Venue.SIMULATOR:
            return f"simulator at {self.url}" if self.url else "embedded simulator"
        network = "testnet" if self.testnet else "MAINNET"
        host = f" ({self.url})" if self.url else ""
        return f"{self.venue.value} {network}{host}"

    def check_url(self) -> None:
        """A simulator URL must be http(s); a remote one off loopback is allowed (another
        machine on the LAN) but never a venue's production host."""
        if self.url is None:
            return
        parsed = urlparse(self.url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigurationError(f"--url must be an http(s) URL, got {self.url!r}")
        host = parsed.hostname.lower()
        if self.venue is Venue.SIMULATOR and any(
            profile.owns_host(host) for profile in VENUES.values()
        ):
            raise ConfigurationError(
                f"--url {self.url} is a real exchange: use --venue {' or '.join(VENUES)}"
            )

    @property
    def url_is_loopback(self) -> bool:
        return self.url is not None and (urlparse(self.url).hostname or "") in _LOOPBACK_HOSTS


def venue_config(
    *,
    venue: Venue,
    url: str | None,
    ws_url: str | None,
    testnet: bool,
    live: bool,
    auth: AuthScheme,
    api_key: str | None,
    api_secret: str | None,
    user: str | None,
    signer: str | None,
    seed: int,
    timeout: float = 10.0,
) -> VenueConfig:
    """Build the config from parsed options, filling credentials from the environment (and
    `.env`, loaded into it at start-up) for the venue at hand; the v3 private key only from
    the environment. Each venue's variables are its profile's (Binance: BINANCE_API_KEY /
    BINANCE_API_SECRET), so an AsterDEX key is never sent to Binance."""
    env = os.environ
    names = profile_of(venue).credentials
    api_key = api_key or env.get(names.api_key)
    api_secret = api_secret or env.get(names.api_secret)
    user = user or (env.get(names.user) if names.user else None)
    signer = signer or (env.get(names.signer) if names.signer else None)
    private_key = (env.get(names.private_key) if names.private_key else None) or None
    config = VenueConfig(
        venue=venue,
        url=url.rstrip("/") if url else None,
        ws_url=ws_url.rstrip("/") if ws_url else None,
        testnet=testnet,
        live=live,
        auth=auth,
        api_key=api_key or None,
        api_secret=Secret(api_secret) if api_secret else None,
        user=user or None,
        signer=signer or None,
        private_key=Secret(private_key) if private_key else None,
        seed=seed,
        timeout=timeout,
    )
    config.check_url()
    return config
