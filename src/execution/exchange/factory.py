"""`create_exchange(name, **options)`: an exchange client by venue name.

A venue of `venues.VENUES` ("asterdex", "binance": the same protocol to their own hosts,
as their profiles say) gets an `AsterDEXExchange` on its profile; "simulator" starts an
embedded `SimulatedExchange` on `connect()` (stopped on `close()`) and trades on it with the
simulator's default account, reachable as `exchange.simulator`.
"""

from __future__ import annotations

from typing import Any

from execution.auth import Credentials, Eip712Credentials, HmacCredentials
from execution.errors import ConfigurationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.base import BaseExchange
from execution.exchange.venues import VENUES
from execution.secrets import Secret

SIMULATOR = "simulator"


class SimulatorExchange(AsterDEXExchange):
    """An `AsterDEXExchange` wired to an embedded simulator it starts and stops itself."""

    def __init__(
        self,
        *,
        seed: int = 7,
        auth: str = "hmac",
        auto_tick: bool = False,
        tick_interval: float = 0.25,
        endpoints: int = 1,
        simulator_options: dict[str, Any] | None = None,
        **options: Any,
    ) -> None:
        if auth not in ("hmac", "eip712"):
            raise ConfigurationError(f"auth must be 'hmac' or 'eip712', not {auth!r}")
        from execution.simulator import SimulatedExchange

        self.simulator = SimulatedExchange(
            seed=seed,
            endpoints=endpoints,
            auto_tick=auto_tick,
            tick_interval=tick_interval,
            **(simulator_options or {}),
        )
        self.auth = auth
        account = self.simulator.account
        credentials: Credentials
        if auth == "hmac" and account.api_key and account.api_secret:
            credentials = HmacCredentials(account.api_key, Secret(account.api_secret))
        elif auth == "eip712" and account.user and account.signer_private_key:
            credentials = Eip712Credentials(
                account.user, account.signer, Secret(account.signer_private_key)
            )
        else:
            raise ConfigurationError(f"the simulator account has no {auth} credentials")
        options.setdefault("dotenv_path", None)
        options.setdefault("testnet", False)  # the simulator signs with the mainnet chain id
        # placeholder URLs until the simulator has its ports; replaced in connect()
        super().__init__(credentials, rest_urls=["http://127.0.0.1:0"], **options)
        self.name = SIMULATOR

    async def connect(self) -> None:
        await self.simulator.start()
        self.rest_urls = list(self.simulator.rest_urls)
        self.ws_url = self.simulator.ws_url
        self.transport.urls = [url.rstrip("/") for url in self.rest_urls]
        self.transport.reset_endpoints()
        try:
            await super().connect()
        except BaseException:
            await self.simulator.stop()
            raise

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self.simulator.stop()


def create_exchange(name: str, **options: Any) -> BaseExchange:
    """A venue's name ("asterdex" | "binance") or "simulator" -> a client (connect it, or
    use `async with`).

    Options are `AsterDEXExchange`'s (or `SimulatorExchange`'s): what is not given comes
    from the environment, then `.env` (`ASTER_REST_URL`, `ASTER_WS_URL`, `ASTER_TESTNET`
    and the credentials, as for the CLI)."""
    key = name.strip().lower()
    profile = VENUES.get(key)
    if profile is not None:
        return AsterDEXExchange(**{**options, "venue": profile})  # the name decides
    if key == SIMULATOR:
        return SimulatorExchange(**options)
    raise ConfigurationError(
        f"unknown exchange {name!r}: {', '.join(VENUES)} or {SIMULATOR}"
    )
