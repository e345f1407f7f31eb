"""Opening the exchange a command talks to, and naming it before any order.

The simulator venue without `--url` starts an embedded simulator for the command; with
`--url` it connects to a running `aster-exec sim` using the given credentials. AsterDEX and
Binance connect to their hosts (testnet or mainnet) with credentials from flags, the
environment or `.env`. `ASTER_RATE_BUDGET=redis://host:6379/0#NAME` shares the rate limits
with the other processes on that budget (docs/rate-budget.md); the connecting line says
which limits apply.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from execution.cli.options import Venue, VenueConfig
from execution.exchange.base import BaseExchange
from execution.exchange.config import account_label, mask, ws_from_rest


@dataclass(frozen=True, slots=True)
class Connection:
    """An open exchange and the words that say where it points."""

    exchange: BaseExchange
    target: str  # "embedded simulator", "asterdex MAINNET", ...
    account: str  # "API key abcd…wxyz", "user 0x12…ab via signer 0x34…cd"
    url: str

    @property
    def label(self) -> str:
        where = self.target if self.url in self.target else f"{self.target} at {self.url}"
        return f"{where}, account {self.account}"


@asynccontextmanager
async def open_exchange(config: VenueConfig) -> AsyncIterator[Connection]:
    """Connect to the configured venue for the duration of the block."""
    from execution.exchange.factory import create_exchange

    exchange: BaseExchange
    if config.embedded:
        exchange = create_exchange("simulator", seed=config.seed, timeout=config.timeout,
                                   **_sim_auth(config))
        async with exchange:
            simulator: Any = getattr(exchange, "simulator", None)
            url = str(getattr(simulator, "rest_url", "in-process"))
            account = "default account"
            if simulator is not None:
                account = f"{simulator.account.account_id} (API key "
                account += f"{mask(simulator.account.api_key)})"
            yield Connection(exchange, f"embedded simulator (seed {config.seed})", account, url)
        return

    credentials = config.credentials()
    # Credentials are resolved here (flags, environment, .env loaded at start-up): the client
    # must not pick others from a .env of its own.
    options: dict[str, Any] = {
        "credentials": credentials, "dotenv_path": None, "timeout": config.timeout,
    }
    if config.url:
        options["rest_urls"] = [config.url]
        options["ws_url"] = config.ws_url or ws_from_rest(config.url)
    elif config.ws_url:
        options["ws_url"] = config.ws_url
    options["allow_live"] = config.live
    if config.venue is Venue.SIMULATOR:
        name = "asterdex"  # the simulator speaks AsterDEX's protocol at the given URL
    else:
        name = config.venue.value
        options["testnet"] = config.testnet
    exchange = create_exchange(name, **options)
    rest_urls = [str(url) for url in getattr(exchange, "rest_urls", None) or [name]]
    account = account_label(credentials)
    budget = getattr(exchange, "rate_limiter", None)  # ASTER_RATE_BUDGET: a shared one
    limits = f"; rate limits {budget.describe()}" if budget is not None else ""
    announce_connecting(f"connecting to {config.target_label()} at {', '.join(rest_urls)} "
                        f"as {account}{limits}")
    async with exchange:
        yield Connection(exchange, config.target_label(), account, config.url or rest_urls[0])


def announce_connecting(line: str) -> None:
    """Say on stderr where the command is about to connect (before it may hang there)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _sim_auth(config: VenueConfig) -> dict[str, Any]:
    if config.auth.value == "eip712":
        return {"auth": "eip712"}
    return {}
