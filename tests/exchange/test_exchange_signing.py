"""Request building and signatures: the HMAC vector, EIP-712 recovery, nonces, encoding."""

from __future__ import annotations

import itertools
from urllib.parse import parse_qsl, quote

from hypothesis import given
from hypothesis import strategies as st

from execution.auth import (
    EIP712_TESTNET_CHAIN_ID,
    Eip712Credentials,
    HmacCredentials,
    eip712_typed_data,
    recover_signer,
)
from execution.exchange.clock import ServerClock
from execution.exchange.endpoints import (
    ALL_ENDPOINTS,
    MODIFY_ORDER,
    NOOP,
    PLACE_CHASE,
    PLACE_STRATEGY_ORDER,
    STRATEGY_HISTORY_ORDER,
    STRATEGY_OPEN_ORDER,
    UPDATE_STRATEGY_ORDER,
    AuthScheme,
    Security,
)
from execution.exchange.signing import RequestSigner, encode_params
from execution.secrets import Secret
from execution.venue_api import load as load_venue_api

BINANCE_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
BINANCE_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
DOC_USER = "0x63DD5aCC6b1aa0f563956C0e534DD30B6dcF7C4e"
DOC_SIGNER = "0x21cF8Ae13Bb72632562c6Fff438652Ba1a151bb0"
DOC_KEY = "0x4fd0a42218f3eae43a6ce26d22544e986139a01e5b34a62db53757ffca81bae1"


class FixedClock(ServerClock):
    def __init__(self, now: int) -> None:
        super().__init__()
        self.now = now

    def now_ms(self) -> int:
        return self.now


def test_hmac_signature_matches_the_documented_vector() -> None:
    credentials = HmacCredentials("key", Secret(BINANCE_SECRET))
    signer = RequestSigner(credentials, FixedClock(1499827319559), recv_window=5000)
    params = [
        ("symbol", "LTCBTC"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "1"),
        ("price", "0.1"),
    ]
    signed = signer.sign(encode_params(params))
    assert signed == (
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
        f"&recvWindow=5000&timestamp=1499827319559&signature={BINANCE_SIGNATURE}"
    )
    assert signer.headers == {"X-MBX-APIKEY": "key"}
    assert signer.scheme is AuthScheme.HMAC


def test_hmac_without_params_signs_only_the_auth_pairs() -> None:
    signer = RequestSigner(HmacCredentials("k", Secret("s")), FixedClock(5))
    assert signer.sign("").startswith("recvWindow=5000&timestamp=5&signature=")


def test_eip712_signature_recovers_to_the_signer() -> None:
    credentials = Eip712Credentials(DOC_USER, DOC_SIGNER, Secret(DOC_KEY))
    signer = RequestSigner(credentials, ServerClock())
    signed = signer.sign("symbol=BTCUSDT&side=BUY")
    message, _, signature = signed.rpartition("&signature=")
    pairs = dict(parse_qsl(message))
    assert pairs["user"] == DOC_USER and pairs["signer"] == DOC_SIGNER
    assert int(pairs["nonce"]) > 1_600_000_000_000_000  # microseconds
    assert recover_signer(message, signature) == DOC_SIGNER.lower()
    assert signer.headers == {}


def test_eip712_testnet_chain_id_signs_under_its_own_domain() -> None:
    credentials = Eip712Credentials(DOC_USER, DOC_SIGNER, Secret(DOC_KEY))
    signer = RequestSigner(credentials, ServerClock(), chain_id=EIP712_TESTNET_CHAIN_ID)
    message, _, signature = signer.sign("a=1").rpartition("&signature=")
    assert recover_signer(message, signature, EIP712_TESTNET_CHAIN_ID) == DOC_SIGNER.lower()
    assert recover_signer(message, signature) != DOC_SIGNER.lower()


def test_eip712_matches_a_generic_typed_data_library() -> None:
    from eth_account import Account
    from eth_account.messages import encode_typed_data

    message = "symbol=BTCUSDT&nonce=1&user=u"
    typed = eip712_typed_data(message)
    expected = Account.sign_message(encode_typed_data(full_message=typed), DOC_KEY)
    ours = Eip712Credentials(DOC_USER, DOC_SIGNER, DOC_KEY).sign(message)
    assert ours == "0x" + bytes(expected.signature).hex().removeprefix("0x")


def test_nonces_strictly_increase() -> None:
    clock = ServerClock()
    nonces = [clock.next_nonce() for _ in range(1000)]
    assert all(b > a for a, b in itertools.pairwise(nonces))


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "newClientOrderId"]), st.text()), max_size=5))
def test_encoding_round_trips(params: list[tuple[str, str]]) -> None:
    encoded = encode_params(params)
    assert parse_qsl(encoded, keep_blank_values=True) == params


@given(st.lists(st.tuples(st.sampled_from(["symbol", "price", "newClientOrderId"]),
                          st.text(alphabet="aZ09._~-=&% +/é", max_size=6)), max_size=6))
def test_plain_values_are_sent_as_they_are_and_the_rest_percent_encoded(
    params: list[tuple[str, str]],
) -> None:
    """The one-pass check of plain values never lets a `=` or `&` of a value through."""
    expected = "&".join(f"{key}={quote(value, safe='')}" for key, value in params)
    assert encode_params(params) == expected
    assert encode_params(iter(params)) == expected


def test_endpoint_table_uses_only_documented_paths() -> None:
    """Every path the client sends is in the venue's docs under the scheme it signs with
    (v1 document: HMAC or the API key alone; v3 document: EIP-712)."""
    api = load_venue_api()
    expected_auth = {
        AuthScheme.HMAC: {Security.NONE: {"none", "api_key"}, Security.SIGNED: {"hmac"},
                          Security.USER_STREAM: {"api_key"}},
        AuthScheme.EIP712: {Security.NONE: {"none"}, Security.SIGNED: {"eip712"},
                            Security.USER_STREAM: {"eip712"}},
    }
    for endpoint in ALL_ENDPOINTS:
        assert endpoint.weight >= 1
        for scheme in AuthScheme:
            path = endpoint.path(scheme)
            if path is None:  # not in that scheme's document: refused before sending
                continue
            documented = api.endpoint(endpoint.method, path)
            assert documented is not None, (endpoint.method, path)
            assert documented.auth in expected_auth[scheme][endpoint.security], (path, scheme)
            if documented.weight_by_limit:  # by the limit sent; without one, the default 500
                steps = tuple(tuple(step) for step in documented.weight_by_limit)
                assert endpoint.weight_by_limit == steps, path
                assert endpoint.weight == endpoint.weight_for(True, 500), path
                continue
            assert endpoint.weight_for(has_symbol=True) == documented.weight, path
            assert endpoint.weight_for(has_symbol=False) == (
                documented.weight_without_symbol or documented.weight), path
    # only modify, noop, the strategy orders and chase lack a v1 path; every request has a v3
    assert {e for e in ALL_ENDPOINTS if e.path(AuthScheme.HMAC) is None} == {
        MODIFY_ORDER, NOOP, PLACE_STRATEGY_ORDER, UPDATE_STRATEGY_ORDER, STRATEGY_OPEN_ORDER,
        STRATEGY_HISTORY_ORDER, PLACE_CHASE,
    }
    assert all(e.path(AuthScheme.EIP712) for e in ALL_ENDPOINTS)
