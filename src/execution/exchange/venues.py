"""Venue profiles: what differs between the venues this client speaks to, as data.

AsterDEX and Binance USDⓈ-M speak the same protocol; they differ in their hosts, the
signing schemes they take, the environment variables their credentials are read from and
what they accept (Binance takes conditional orders only through its algo-order API since
2025-12-09, `extra` endpoints this client speaks to it; only AsterDEX has strategy orders
and the v3 noop that proves an unknown outcome). Each venue is one `VenueProfile` in
`VENUES`; code asks the profile, never compares venue names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import urlsplit

from execution.auth import EIP712_CHAIN_ID, EIP712_TESTNET_CHAIN_ID
from execution.errors import ConfigurationError, ValidationError
from execution.exchange import endpoints as ep
from execution.exchange.algo_endpoints import ALGO_ENDPOINTS
from execution.exchange.endpoints import AuthScheme, Endpoint
from execution.models import OrderType, WireEnum


class Capability(WireEnum):
    """Something a venue may or may not offer through this client."""

    CONDITIONAL_ORDERS = "conditional orders (stop, take-profit, trailing stop)"
    ALGO_ORDERS = "conditional orders through the algo-order API (algoOrder, ALGO_UPDATE)"
    STRATEGY_ORDERS = "strategy orders (OTO / OCO / OTOCO): a bracket held by the exchange"
    NOOP_PROOF = "the v3 noop that proves an unknown outcome cannot execute"


@dataclass(frozen=True, slots=True)
class VenueHosts:
    """REST endpoints (primary first, then fallbacks of the same venue) and the WS host."""

    rest_urls: tuple[str, ...]
    ws_url: str
    chain_id: int = EIP712_CHAIN_ID
    live: bool = True


@dataclass(frozen=True, slots=True)
class CredentialNames:
    """The environment variables a venue's credentials are read from (None: the venue
    takes no v3 credentials)."""

    api_key: str
    api_secret: str
    user: str | None = None
    signer: str | None = None
    private_key: str | None = None

    def v3(self) -> tuple[str, ...]:
        """The v3 variables (user, signer, private key); empty on a venue without v3."""
        return tuple(name for name in (self.user, self.signer, self.private_key) if name)

    def all(self) -> tuple[str, ...]:
        """Every variable name, v1 first."""
        return (self.api_key, self.api_secret, *self.v3())


@dataclass(frozen=True, slots=True)
class VenueProfile:
    """One venue: hosts per network, signing schemes, credential variables, capabilities.

    `missing` says, for each capability the venue lacks, why and what to do instead (the
    text of the refusal); `lacks` names endpoints the venue does not have under any scheme;
    `extra` names endpoints only this venue has (Binance's algo orders, outside AsterDEX's
    documents); `domains` are the venue's own host names (a simulator URL must never be one).
    """

    name: str
    mainnet: VenueHosts
    testnet: VenueHosts
    auth_schemes: frozenset[AuthScheme]
    credentials: CredentialNames
    capabilities: frozenset[Capability]
    domains: tuple[str, ...]
    missing: Mapping[Capability, str] = field(default_factory=lambda: MappingProxyType({}))
    lacks: frozenset[Endpoint] = frozenset()
    extra: frozenset[Endpoint] = frozenset()

    def hosts(self, testnet: bool) -> VenueHosts:
        return self.testnet if testnet else self.mainnet

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def require(self, capability: Capability, field_name: str, value: object) -> None:
        """Raise `ValidationError` naming the venue and the capability when it lacks it."""
        if capability in self.capabilities:
            return
        why = self.missing.get(capability, "")
        raise ValidationError(
            field_name, value,
            f"{self.name} does not support {capability.value} through this client"
            + (f": {why}" if why else ""),
        )

    def check_order_type(self, order_type: OrderType, *, batch: bool = False) -> None:
        """Refuse an order type this venue does not accept (before anything is sent); in a
        batch, also a conditional order where those are algo orders (one at a time)."""
        if order_type.is_conditional:
            self.require(Capability.CONDITIONAL_ORDERS, "order_type", order_type.value)
            if batch and Capability.ALGO_ORDERS in self.capabilities:
                raise ValidationError(
                    "order_type", order_type.value,
                    f"{self.name} takes conditional orders one at a time through its "
                    "algo-order API, not in a batch",
                )

    def check_scheme(self, scheme: AuthScheme) -> None:
        """Raise `ConfigurationError` for credentials of a scheme the venue does not take."""
        if scheme not in self.auth_schemes:
            taken = ", ".join(sorted(s.value for s in self.auth_schemes))
            raise ConfigurationError(
                f"{self.name} does not take {scheme.value} credentials (only: {taken})"
            )

    def paths(self, scheme: AuthScheme) -> dict[Endpoint, str]:
        """The endpoints this venue has under `scheme`, with their paths."""
        return {
            endpoint: path for endpoint in (*ep.ALL_ENDPOINTS, *self.extra)
            if endpoint not in self.lacks and (path := endpoint.path(scheme)) is not None
        }

    def owns_host(self, host: str) -> bool:
        """True when `host` is one of this venue's own (a real exchange)."""
        host = host.lower().rstrip(".")
        return any(host == domain or host.endswith("." + domain) for domain in self.domains)


ASTERDEX = VenueProfile(
    name="asterdex",
    # AsterDEX documents fapi3 as another host of the same API.
    mainnet=VenueHosts(
        ("https://fapi.asterdex.com", "https://fapi3.asterdex.com"),
        "wss://fstream.asterdex.com",
    ),
    testnet=VenueHosts(
        ("https://fapi.asterdex-testnet.com",),
        "wss://fstream.asterdex-testnet.com",
        chain_id=EIP712_TESTNET_CHAIN_ID,
        live=False,
    ),
    auth_schemes=frozenset({AuthScheme.HMAC, AuthScheme.EIP712}),
    credentials=CredentialNames(
        "ASTER_API_KEY", "ASTER_API_SECRET", "ASTER_USER", "ASTER_SIGNER", "ASTER_PRIVATE_KEY"
    ),
    capabilities=frozenset({
        Capability.CONDITIONAL_ORDERS, Capability.NOOP_PROOF, Capability.STRATEGY_ORDERS,
    }),
    domains=("asterdex.com", "asterdex-testnet.com"),
    missing=MappingProxyType({
        Capability.ALGO_ORDERS: "AsterDEX takes conditional orders on its order endpoint",
    }),
)

BINANCE = VenueProfile(
    name="binance",
    mainnet=VenueHosts(("https://fapi.binance.com",), "wss://fstream.binance.com"),
    testnet=VenueHosts(
        ("https://testnet.binancefuture.com",), "wss://fstream.binancefuture.com", live=False
    ),
    auth_schemes=frozenset({AuthScheme.HMAC}),
    credentials=CredentialNames("BINANCE_API_KEY", "BINANCE_API_SECRET"),
    # conditional orders go through the algo-order API (since 2025-12-09, -4120 on the
    # order endpoint): `exchange.algo_orders`
    capabilities=frozenset({Capability.CONDITIONAL_ORDERS, Capability.ALGO_ORDERS}),
    domains=("binance.com", "binancefuture.com"),
    missing=MappingProxyType({
        Capability.NOOP_PROOF: "Binance has no v3 API: an unknown outcome is only looked up",
        Capability.STRATEGY_ORDERS: (
            "Binance has no OTO / OCO / OTOCO order: a bracket's exits are placed by this "
            "process as the entry fills (the emulated backend)"
        ),
    }),
    lacks=frozenset({ep.NOOP, ep.MODIFY_ORDER}),
    extra=ALGO_ENDPOINTS,
)

VENUES: Mapping[str, VenueProfile] = MappingProxyType(
    {profile.name: profile for profile in (ASTERDEX, BINANCE)}
)
"""Every venue by name."""


def venue_profile(venue: str | VenueProfile) -> VenueProfile:
    """The profile of `venue` (a name, any case, or a profile); `ConfigurationError` for
    an unknown name."""
    if isinstance(venue, VenueProfile):
        return venue
    profile = VENUES.get(venue.strip().lower()) if isinstance(venue, str) else None
    if profile is None:
        raise ConfigurationError(f"unknown venue {venue!r}; known: {', '.join(VENUES)}")
    return profile


def testnet_host_names() -> frozenset[str]:
    """The host names of every venue's test environment (not live)."""
    return frozenset(
        urlsplit(url).hostname or ""
        for profile in VENUES.values()
        for url in (*profile.testnet.rest_urls, profile.testnet.ws_url)
    )
