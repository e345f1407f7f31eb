"""Where a client connects, credentials from arguments / environment / `.env`, the live opt-in.

Hosts and credential variable names come from the venue's profile (`venues`).
Credentials and endpoints given as arguments win; otherwise the
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

from execution.auth import Credentials, Eip712Credentials, HmacCredentials
from execution.errors import ConfigurationError
from execution.exchange.venues import (
    VenueHosts,
    VenueProfile,
    testnet_host_names,
    venue_profile,
)
from execution.secrets import Secret

logger = logging.getLogger(__name__)


_TESTNET_HOSTS = testnet_host_names()

ENV_ALLOW_LIVE = "ASTER_ALLOW_LIVE"
ENV_REST_URL = "ASTER_REST_URL"
ENV_WS_URL = "ASTER_WS_URL"
ENV_TESTNET = "ASTER_TESTNET"
ENV_RATE_BUDGET = "ASTER_RATE_BUDGET"  # redis://host:6379/0#NAME: a shared rate budget


def venue_hosts(venue: str | VenueProfile, testnet: bool) -> VenueHosts:
    """The hosts of `venue` on its test network or its mainnet."""
    return venue_profile(venue).hosts(testnet)


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


def credentials_from_env(
    env: Mapping[str, str], venue: str | VenueProfile = "asterdex"
) -> Credentials | None:
    """The venue's credentials from its variables (`VenueProfile.credentials`): v3 when
    the user and private key are set (on a venue that takes v3), else v1, else None; a
    partial set is a `ConfigurationError` naming the variables."""
    names = venue_profile(venue).credentials
    user = env.get(names.user) if names.user else None
    private_key = env.get(names.private_key) if names.private_key else None
    if user and private_key:
        signer = env.get(names.signer) if names.signer else None
        return Eip712Credentials(user, signer or None, Secret(private_key))
    key, secret = env.get(names.api_key), env.get(names.api_secret)
    if key and secret:
        return HmacCredentials(key, Secret(secret))
    if key or secret or user or private_key:
        v3 = names.v3()
        raise ConfigurationError(
            f"incomplete credentials: set {names.api_key} and {names.api_secret} (v1)"
            + (f" or {', '.join(v3[:-1])} and {v3[-1]} (v3)" if v3 else "")
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
    venue: str | VenueProfile,
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
    hosts = venue_profile(venue).hosts(testnet)
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
