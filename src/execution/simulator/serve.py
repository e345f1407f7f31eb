"""Running the simulator as a standalone server (`aster-exec sim`)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from execution.auth import EIP712_CHAIN_ID, EIP712_TESTNET_CHAIN_ID
from execution.errors import ConfigurationError
from execution.simulator.accounts import DEFAULT_BALANCES, SimAccount, address_of
from execution.simulator.exchange import SimulatedExchange

if TYPE_CHECKING:
    from execution.simulator.engine.config import SymbolSpec

READY_LINE = "simulator ready"


def parse_balances(items: Sequence[str]) -> dict[str, Decimal]:
    """`["USDT=10000", "BNB=1"]` -> {"USDT": Decimal("10000"), "BNB": Decimal("1")}."""
    balances: dict[str, Decimal] = {}
    for item in items:
        asset, sep, amount = item.partition("=")
        try:
            value = Decimal(amount.strip())
        except InvalidOperation:
            value = Decimal("NaN")
        if not sep or not asset.strip() or not value.is_finite() or value < 0:
            raise ConfigurationError(f"a balance is ASSET=AMOUNT, not {item!r}")
        balances[asset.strip().upper()] = value
    return balances


def account_from_options(
    *,
    api_key: str | None = None,
    api_secret: str | None = None,
    user: str | None = None,
    signers: Sequence[str] = (),
    signer_private_key: str | None = None,
    balances: Mapping[str, Decimal] | None = None,
    environ: Mapping[str, str] | None = None,
    account_id: str = "default",
) -> SimAccount | None:
    """The account given by options, else by the environment (ASTER_API_KEY,
    ASTER_API_SECRET, ASTER_USER, ASTER_SIGNER, ASTER_PRIVATE_KEY); None if neither."""
    env = os.environ if environ is None else environ
    api_key = api_key or env.get("ASTER_API_KEY") or None
    api_secret = api_secret or env.get("ASTER_API_SECRET") or None
    user = user or env.get("ASTER_USER") or None
    signer_private_key = signer_private_key or env.get("ASTER_PRIVATE_KEY") or None
    signer_list = list(signers) or [s for s in [env.get("ASTER_SIGNER")] if s]
    if bool(api_key) != bool(api_secret):
        raise ConfigurationError("an HMAC account needs both --api-key and --api-secret")
    if not (api_key or user):
        return None
    signer = signer_list[0] if signer_list else None
    if signer_private_key and not signer:
        signer = address_of(signer_private_key)
    return SimAccount(
        account_id=account_id,
        api_key=api_key,
        api_secret=api_secret,
        user=user,
        signer=signer,
        signer_private_key=signer_private_key,
        balances=dict(balances) if balances else dict(DEFAULT_BALANCES),
        extra_signers=tuple(signer_list[1:]),
    )


def describe_account(account: SimAccount) -> list[str]:
    """Printable lines with the account's credentials (for accounts the simulator made)."""
    lines = [f"account {account.account_id}:"]
    if account.api_key:
        lines += [f"  ASTER_API_KEY={account.api_key}", f"  ASTER_API_SECRET={account.api_secret}"]
    if account.user:
        lines.append(f"  ASTER_USER={account.user}")
    if account.signer:
        lines.append(f"  ASTER_SIGNER={account.signer}")
    if account.signer_private_key:
        lines.append(f"  ASTER_PRIVATE_KEY={account.signer_private_key}")
    balances = ", ".join(f"{asset}={amount}" for asset, amount in account.balances.items())
    lines.append(f"  balances: {balances}")
    return lines


async def serve(
    host: str = "127.0.0.1",
    port: int = 8090,
    *,
    accounts: Sequence[SimAccount] | None = None,
    seed: int = 7,
    endpoints: int = 1,
    auto_tick: bool = True,
    tick_interval: float = 0.25,
    print_line: Callable[[str], None] = print,
    price_replay: Mapping[str, Sequence[Decimal]] | None = None,
    lenient: bool = False,
    testnet: bool = False,
    symbols: Sequence[SymbolSpec] | None = None,
    dialect: str = "asterdex",
) -> None:
    """Run a simulator until cancelled, printing its URLs, generated credentials and
    `simulator ready` once it listens (`dialect` "binance": as a Binance venue)."""
    generated = not accounts
    sim = SimulatedExchange(
        seed=seed, accounts=accounts, endpoints=endpoints, auto_tick=auto_tick,
        tick_interval=tick_interval, host=host, port=port, price_replay=price_replay,
        lenient=lenient, chain_id=EIP712_TESTNET_CHAIN_ID if testnet else EIP712_CHAIN_ID,
        symbols=symbols, dialect=dialect,
    )
    async with sim:
        for rest_url, ws_url in zip(sim.rest_urls, sim.ws_urls, strict=True):
            print_line(f"REST {rest_url}  WebSocket {ws_url}")
        if generated:
            print_line("generated credentials (this run only):")
            for line in describe_account(sim.account):
                print_line(line)
        else:
            print_line("accounts: " + ", ".join(a.account_id for a in sim.accounts))
        for symbol, prices in sorted((price_replay or {}).items()):
            print_line(f"replaying {len(prices)} prices for {symbol}")
        print_line(READY_LINE)
        await asyncio.Event().wait()
