"""Venue hosts, credentials from arguments / environment / `.env`, and the live opt-in.

Hosts live in one table. Credentials and endpoints given as arguments win; otherwise the
environment, then a `.env` file (read without changing `os.environ`): the same variables as
the CLI (`ASTER_REST_URL`, `ASTER_WS_URL`, `ASTER_TESTNET`, the credentials), so a program
configured for a local simulator never lands on mainnet. Mainnet trading needs an explicit
opt-in: `allow_live=True` or `ASTER_ALLOW_LIVE=1`.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from execution.auth import (
    EIP712_CHAIN_ID,
    EIP712_TESTNET_CHAIN_ID,
    Credentials,
    Eip712Credentials,
    HmacCredentials,
)
from execution.errors import ConfigurationError
from execution.secrets import Secret

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VenueHosts:
    """REST endpoints (primary first, then fallbacks of the same venue) and the WS host."""

    rest_urls: tuple[str, ...]
    ws_url: str
    chain_id: int = EIP712_CHAIN_ID
    live: bool = True


HOSTS: dict[tuple[str, bool], VenueHosts] = {
    # (venue, testnet) -> hosts. AsterDEX documents fapi3 as another host of the same API.
    ("asterdex", False): VenueHosts(
        ("https://fapi.asterdex.com", "https://fapi3.asterdex.com"),
        "wss://fstream.asterdex.com",
    ),
    ("asterdex", True): VenueHosts(
        ("https://fapi.asterdex-testnet.com",),
        "wss://fstream.asterdex-testnet.com",
        chain_id=EIP712_TESTNET_CHAIN_ID,
        live=False,
    ),
    ("binance", False): VenueHosts(("https://fapi.binance.com",), "wss://fstream.binance.com"),
    ("binance", True): VenueHosts(
        ("https://testnet.binancefuture.com",), "wss://fstream.binancefuture.com", live=False
    ),
}

_TESTNET_HOSTS = frozenset(
    urlsplit(url).hostname
    for (_, testnet), hosts in HOSTS.items()
    if testnet
    for url in (*hosts.rest_urls, hosts.ws_url)
)

ENV_API_KEY = "ASTER_API_KEY"
ENV_API_SECRET = "ASTER_API_SECRET"
ENV_USER = "ASTER_USER"
ENV_SIGNER = "ASTER_SIGNER"
ENV_PRIVATE_KEY = "ASTER_PRIVATE_KEY"
ENV_ALLOW_LIVE = "ASTER_ALLOW_LIVE"
ENV_REST_URL = "ASTER_REST_URL"
ENV_WS_URL = "ASTER_WS_URL"
ENV_TESTNET = "ASTER_TESTNET"
ENV_BINANCE_API_KEY = "BINANCE_API_KEY"
ENV_BINANCE_API_SECRET = "BINANCE_API_SECRET"


def venue_hosts(venue: str, testnet: bool) -> VenueHosts:
    try:
        return HOSTS[(venue, testnet)]
    except KeyError:
        raise ConfigurationError(f"unknown venue {venue!r}; known: asterdex, binance") from None


def is_live_url(url: str) -> bool:
    """False for loopback hosts (a local simulator) and the known test hosts."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host in _TESTNET_HOSTS:
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def read_env(dotenv_path: str | Path | None = ".env") -> dict[str, str]:
    """The environment over the `.env` file's values (the file is only read)."""
    values: dict[str, str] = {}
    if dotenv_path is not None:
        path = Path(dotenv_path)
        if path.is_file():
            warn_if_readable_by_others(path)
            values = {k: v for k, v in dotenv_values(path).items() if v is not None}
    values.update(os.environ)
    return values


def warn_if_readable_by_others(path: Path) -> bool:
    """Log a warning (and return True) when a secrets file is readable by group/others."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning(
            "%s is accessible by group/others (mode %o): run `chmod 600 %s`",
            path, stat.S_IMODE(mode), path,
        )
        return True
    return False


def credentials_from_env(env: Mapping[str, str], venue: str = "asterdex") -> Credentials | None:
    """v3 credentials when ASTER_USER and ASTER_PRIVATE_KEY are set, else v1, else None."""
    if venue == "binance":
        key, secret = env.get(ENV_BINANCE_API_KEY), env.get(ENV_BINANCE_API_SECRET)
        return HmacCredentials(key, Secret(secret)) if key and secret else None
    user, private_key = env.get(ENV_USER), env.get(ENV_PRIVATE_KEY)
    if user and private_key:
        return Eip712Credentials(user, env.get(ENV_SIGNER) or None, Secret(private_key))
    key, secret = env.get(ENV_API_KEY), env.get(ENV_API_SECRET)
    if key and secret:
        return HmacCredentials(key, Secret(secret))
    if key or secret or user or private_key:
        raise ConfigurationError(
            "incomplete credentials: set ASTER_API_KEY and ASTER_API_SECRET (v1) or "
            "ASTER_USER, ASTER_SIGNER and ASTER_PRIVATE_KEY (v3)"
        )
    return None


def env_flag(env: Mapping[str, str], name: str) -> bool:
    """A boolean variable: 1/true/yes/on (any case) is set, anything else is not."""
    return env.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def live_allowed(allow_live: bool, env: Mapping[str, str]) -> bool:
    return allow_live or env_flag(env, ENV_ALLOW_LIVE)


def ws_from_rest(url: str) -> str:
    """The WebSocket base of a REST base URL on the same host (a local simulator)."""
    url = url.rstrip("/")
    if url.startswith("https://"):
        return "wss://" + url.removeprefix("https://")
    return "ws://" + url.removeprefix("http://")


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where a client connects: REST endpoints, WS base, test environment or not."""

    rest_urls: tuple[str, ...]
    ws_url: str
    testnet: bool
    chain_id: int


def resolve_endpoints(
    venue: str,
    env: Mapping[str, str],
    *,
    testnet: bool | None = None,
    rest_urls: Sequence[str] | None = None,
    ws_url: str | None = None,
) -> Endpoints:
    """Arguments, then `ASTER_TESTNET` / `ASTER_REST_URL` (comma-separated for fallbacks) /
    `ASTER_WS_URL`, then the venue's hosts. A custom REST URL without a WS URL implies the
    WebSocket on the same host (as the CLI does), never the venue's."""
    if testnet is None:
        testnet = env_flag(env, ENV_TESTNET)
    hosts = venue_hosts(venue, testnet)
    if not rest_urls:
        from_env = [
            url.strip().rstrip("/") for url in env.get(ENV_REST_URL, "").split(",") if url.strip()
        ]
        rest_urls = from_env or None
    custom = bool(rest_urls)
    urls = tuple(rest_urls) if rest_urls else hosts.rest_urls
    ws = ws_url or env.get(ENV_WS_URL, "").strip() or (
        ws_from_rest(urls[0]) if custom else hosts.ws_url
    )
    return Endpoints(urls, ws, testnet, hosts.chain_id)


def mask(text: str, keep: int = 4) -> str:
    """Show the ends of a long identifier (an API key is not a secret, but there is no need
    to print it whole): 'abcd…wxyz'."""
    if len(text) <= keep * 2:
        return text
    return f"{text[:keep]}…{text[-keep:]}"


def account_label(credentials: Credentials | None) -> str:
    """Who requests are signed as, shortened and without any secret."""
    if isinstance(credentials, HmacCredentials):
        return f"API key {mask(credentials.api_key)}"
    if isinstance(credentials, Eip712Credentials):
        signer = (
            "" if credentials.signer.lower() == credentials.user.lower()
            else f" via signer {mask(credentials.signer, 6)}"
        )
        return f"user {mask(credentials.user, 6)}{signer}"
    return "no credentials (public data only)"
