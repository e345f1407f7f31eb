"""Venue profiles: every profile complete; a venue without a capability refuses locally
with a typed error naming the venue and the capability; each venue's credentials come
from its own variables only; the client, factory and CLI take what the profile says."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest

from execution.auth import Eip712Credentials, HmacCredentials
from execution.cli.options import AuthScheme as CliAuth
from execution.cli.options import Venue, VenueConfig, venue_config
from execution.errors import ConfigurationError, ValidationError
from execution.exchange import endpoints as ep
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.config import credentials_from_env, is_live_url
from execution.exchange.endpoints import AuthScheme
from execution.exchange.factory import create_exchange
from execution.exchange.venues import BINANCE, VENUES, Capability, venue_profile
from execution.models import OrderSide, OrderType
from execution.secrets import Secret
from execution.simulator import SimulatedExchange

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
USER = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
CONDITIONAL = [order_type for order_type in OrderType if order_type.is_conditional]
EVERY_VARIABLE = {
    name: f"value-of-{name}"
    for profile in VENUES.values() for name in profile.credentials.all()
} | {"ASTER_PRIVATE_KEY": KEY, "ASTER_USER": USER, "ASTER_SIGNER": USER}


@pytest.mark.parametrize("name", sorted(VENUES))
def test_every_profile_is_complete(name: str) -> None:
    profile = VENUES[name]
    assert profile.name == name and venue_profile(name.upper()) is profile
    for testnet, hosts in ((False, profile.mainnet), (True, profile.testnet)):
        assert profile.hosts(testnet) is hosts and hosts.rest_urls
        assert all(urlsplit(url).scheme == "https" for url in hosts.rest_urls)
        assert urlsplit(hosts.ws_url).scheme == "wss"
        assert hosts.live is not testnet
        for url in (*hosts.rest_urls, hosts.ws_url):
            host = urlsplit(url).hostname or ""
            assert profile.owns_host(host)  # its own hosts, and no other venue's
            assert not any(other.owns_host(host) for other in VENUES.values()
                           if other is not profile)
            assert is_live_url(url) is hosts.live
    assert profile.auth_schemes and AuthScheme.HMAC in profile.auth_schemes
    names = profile.credentials
    assert names.api_key and names.api_secret
    has_v3 = AuthScheme.EIP712 in profile.auth_schemes
    assert (names.user is not None and names.private_key is not None) is has_v3
    for capability in Capability:  # a missing capability says why
        assert profile.supports(capability) or profile.missing.get(capability)
    assert Capability.NOOP_PROOF not in profile.capabilities or has_v3
    assert ep.PING in profile.paths(AuthScheme.HMAC)


def test_no_two_venues_share_a_credential_variable() -> None:
    seen = [name for profile in VENUES.values() for name in profile.credentials.all()]
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("name", sorted(VENUES))
@pytest.mark.parametrize("order_type", CONDITIONAL)
def test_a_venue_without_a_capability_refuses_naming_both(
    name: str, order_type: OrderType
) -> None:
    profile = VENUES[name]
    if profile.supports(Capability.CONDITIONAL_ORDERS):
        profile.check_order_type(order_type)
        return
    with pytest.raises(ValidationError) as raised:
        profile.check_order_type(order_type)
    assert raised.value.field == "order_type" and raised.value.value == order_type.value
    assert name in str(raised.value) and Capability.CONDITIONAL_ORDERS.value in str(raised.value)


async def test_binance_refuses_a_batched_conditional_order_and_a_modify_before_sending(
    simulator: SimulatedExchange, make_client: Any
) -> None:
    """Binance takes conditional orders one at a time through its algo-order API (tested
    against the Binance dialect in test_binance_algo_orders.py): in a batch they are
    refused before sending, as is a modify (no PUT order)."""
    async with make_client(simulator, "hmac", venue=BINANCE) as client:
        assert client.profile is BINANCE and not client.prove_with_noop
        assert client.orders.algo is not None
        client.check_order_type(OrderType.STOP_LOSS)  # alone: through the algo endpoint
        with pytest.raises(ValidationError, match="binance takes conditional orders one at"):
            client.check_order_type(OrderType.STOP_LOSS, batch=True)
        with pytest.raises(ConfigurationError, match="binance has no PUT order endpoint"):
            await client.modify_order("BTCUSDT", OrderSide.BUY, Decimal("0.01"),
                                      Decimal("45000"), client_order_id="x-1")
    assert [r for r in simulator.request_log if r.path.endswith("/order")] == []


def test_each_venue_reads_its_own_credential_variables() -> None:
    aster = credentials_from_env(EVERY_VARIABLE, "asterdex")
    assert isinstance(aster, Eip712Credentials) and aster.user == USER
    aster_v1 = credentials_from_env(
        {k: v for k, v in EVERY_VARIABLE.items() if k != "ASTER_PRIVATE_KEY"}, "asterdex"
    )
    assert isinstance(aster_v1, HmacCredentials)
    assert aster_v1.api_key == "value-of-ASTER_API_KEY"
    binance = credentials_from_env(EVERY_VARIABLE, BINANCE)
    assert isinstance(binance, HmacCredentials)
    assert binance.api_key == "value-of-BINANCE_API_KEY"
    assert binance.api_secret.reveal() == "value-of-BINANCE_API_SECRET"
    # AsterDEX variables alone are no Binance credentials (never sent to another venue)
    aster_only = {k: v for k, v in EVERY_VARIABLE.items() if not k.startswith("BINANCE")}
    assert credentials_from_env(aster_only, "binance") is None


@pytest.mark.parametrize("name", sorted(VENUES))
def test_half_a_credential_pair_is_refused_naming_the_venues_variables(name: str) -> None:
    names = VENUES[name].credentials
    with pytest.raises(ConfigurationError) as raised:
        credentials_from_env({names.api_key: "k"}, name)
    assert names.api_secret in str(raised.value) and "k" not in str(raised.value).split()


def test_a_venue_refuses_credentials_of_a_scheme_it_does_not_take() -> None:
    v3 = Eip712Credentials(USER, None, Secret(KEY))
    with pytest.raises(ConfigurationError, match="binance does not take eip712"):
        AsterDEXExchange(v3, venue="binance", dotenv_path=None)
    config = VenueConfig(venue=Venue.BINANCE, auth=CliAuth.EIP712, user=USER,
                         private_key=Secret(KEY))
    with pytest.raises(ConfigurationError, match="binance does not take eip712"):
        config.credentials()


@pytest.mark.parametrize("name", sorted(VENUES))
def test_the_factory_builds_a_client_on_the_venues_profile(name: str) -> None:
    client = create_exchange(name, dotenv_path=None, testnet=True)
    assert isinstance(client, AsterDEXExchange) and client.profile is VENUES[name]
    assert client.rest_urls == list(VENUES[name].testnet.rest_urls)
    with pytest.raises(ConfigurationError, match="asterdex, binance or simulator"):
        create_exchange("kraken")


def test_the_cli_reads_the_venues_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in EVERY_VARIABLE.items():
        monkeypatch.setenv(name, value)
    options: dict[str, Any] = dict(url=None, ws_url=None, testnet=True, live=False,
                                   auth=CliAuth.AUTO, api_key=None, api_secret=None,
                                   user=None, signer=None, seed=7)
    binance = venue_config(venue=Venue.BINANCE, **options)
    assert binance.api_key == "value-of-BINANCE_API_KEY" and binance.private_key is None
    aster = venue_config(venue=Venue.ASTERDEX, **options)
    assert aster.api_key == "value-of-ASTER_API_KEY" and aster.user == USER


@pytest.mark.parametrize("url", ["https://testnet.binancefuture.com",
                                 "https://fapi.asterdex-testnet.com",
                                 "https://fapi.binance.com"])
def test_a_simulator_url_is_never_a_venues_host(url: str) -> None:
    with pytest.raises(ConfigurationError, match="real exchange"):
        VenueConfig(venue=Venue.SIMULATOR, url=url).check_url()


@pytest.mark.parametrize("name", sorted(VENUES))
async def test_a_signed_request_without_credentials_names_the_venues_variables(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in EVERY_VARIABLE:
        monkeypatch.delenv(variable, raising=False)
    client = AsterDEXExchange(venue=name, dotenv_path=None, rest_urls=["http://127.0.0.1:1"])
    with pytest.raises(ConfigurationError) as raised:
        await client.fetch_balance()  # refused before anything is sent
    names = VENUES[name].credentials
    assert f"{names.api_key}/{names.api_secret}" in str(raised.value)
    other = [n for p in VENUES.values() if p.name != name for n in p.credentials.all()]
    assert not any(variable in str(raised.value) for variable in other)
