"""auth.py: the HMAC vector, EIP-712 signatures byte-identical to eth-account, recovery."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import to_checksum_address as eth_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from execution import hashing
from execution.auth import (
    EIP712_CHAIN_ID,
    EIP712_TESTNET_CHAIN_ID,
    Eip712Credentials,
    HmacCredentials,
    eip712_digest,
    eip712_typed_data,
    hmac_sha256_hex,
    keccak256,
    recover_signer,
    to_checksum_address,
)
from execution.errors import ConfigurationError
from execution.secrets import Secret

BINANCE_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
BINANCE_PARAMS = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)
BINANCE_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
USER = eth_checksum_address("0x63dd5acc6b1aa0f563956c0e534dd30b6dcf7c4e")


def test_hmac_vector_from_the_protocol() -> None:
    assert hmac_sha256_hex(BINANCE_SECRET, BINANCE_PARAMS) == BINANCE_SIGNATURE
    credentials = HmacCredentials("key", Secret(BINANCE_SECRET))
    assert credentials.sign(BINANCE_PARAMS) == BINANCE_SIGNATURE
    assert HmacCredentials("key", BINANCE_SECRET).sign(BINANCE_PARAMS) == BINANCE_SIGNATURE  # type: ignore[arg-type]


def test_hmac_credentials_need_both_parts_and_hide_the_secret() -> None:
    with pytest.raises(ConfigurationError):
        HmacCredentials("", Secret("s"))
    with pytest.raises(ConfigurationError):
        HmacCredentials("key", Secret(""))
    text = repr(HmacCredentials("key", Secret(BINANCE_SECRET)))
    assert BINANCE_SECRET not in text and "***" in text


def test_typed_data_domain_is_the_documented_one() -> None:
    domain = eip712_typed_data("a=1", EIP712_CHAIN_ID)["domain"]
    assert domain == {
        "name": "AsterSignTransaction",
        "version": "1",
        "chainId": 1666,
        "verifyingContract": "0x0000000000000000000000000000000000000000",
    }


def eth_account_signature(private_key: bytes, message: str, chain_id: int) -> str:
    signable = encode_typed_data(full_message=eip712_typed_data(message, chain_id))
    signed = Account.sign_message(signable, private_key=private_key)
    return "0x" + bytes(signed.signature).hex()


SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
private_keys = st.integers(1, SECP256K1_ORDER - 1).map(lambda n: n.to_bytes(32, "big"))
messages = st.text(max_size=400) | st.from_regex(r"[a-zA-Z0-9=&%._-]{0,300}", fullmatch=True)


@settings(max_examples=60)
@given(private_key=private_keys, message=messages, testnet=st.booleans())
def test_eip712_signature_is_byte_identical_to_eth_account(
    private_key: bytes, message: str, testnet: bool
) -> None:
    chain_id = EIP712_TESTNET_CHAIN_ID if testnet else EIP712_CHAIN_ID
    credentials = Eip712Credentials(USER, None, "0x" + private_key.hex())
    ours = credentials.sign(message, chain_id) if testnet else credentials.sign(message)
    assert ours == eth_account_signature(private_key, message, chain_id)
    account = Account.from_key(private_key)
    assert credentials.signer == account.address
    assert recover_signer(message, ours, chain_id) == account.address.lower()


def test_digest_matches_eth_account_hash() -> None:
    message = "symbol=BTCUSDT&side=BUY&nonce=1700000000000000"
    signable = encode_typed_data(full_message=eip712_typed_data(message, EIP712_CHAIN_ID))
    expected = keccak256(b"\x19" + signable.version + signable.header + signable.body)
    assert eip712_digest(message) == expected


def test_signature_shape() -> None:
    credentials = Eip712Credentials(USER, None, "11" * 32)
    signature = credentials.sign("a=1")
    assert signature.startswith("0x") and len(signature) == 2 + 130
    assert signature[-2:] in ("1b", "1c")
    assert credentials.sign("a=1") == signature  # RFC 6979: deterministic


def test_recover_signer_round_trip_and_tampering() -> None:
    credentials = Eip712Credentials(USER, None, "0x" + "42" * 32)
    signature = credentials.sign("a=1&b=2")
    assert recover_signer("a=1&b=2", signature) == credentials.signer.lower()
    assert recover_signer("a=1&b=3", signature) != credentials.signer.lower()
    assert recover_signer("a=1&b=2", signature, EIP712_TESTNET_CHAIN_ID) != (
        credentials.signer.lower()
    )
    # v given as 0/1 instead of 27/28 is accepted too
    raw = bytes.fromhex(signature[2:])
    low_v = "0x" + (raw[:64] + bytes([raw[64] - 27])).hex()
    assert recover_signer("a=1&b=2", low_v) == credentials.signer.lower()


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "0x",
        "0xzz",
        "0x" + "00" * 65,
        "0x" + "11" * 64,
        "0x" + "11" * 66,
        "0x" + "11" * 64 + "1d",  # v = 29
        "0x" + "ff" * 64 + "1b",  # r, s above the curve order
        "not hex at all",
    ],
)
def test_bad_signatures_recover_nothing(signature: str) -> None:
    assert recover_signer("a=1", signature) is None


def test_credentials_checks_and_repr() -> None:
    key = "0x" + "42" * 32
    credentials = Eip712Credentials(USER.lower(), None, Secret(key))
    assert credentials.user == USER
    assert "42" * 8 not in repr(credentials) and "***" in repr(credentials)
    with pytest.raises(ConfigurationError, match="belongs to"):
        Eip712Credentials(USER, USER, key)
    with pytest.raises(ConfigurationError, match="32-byte hex"):
        Eip712Credentials(USER, None, "0x1234")
    with pytest.raises(ConfigurationError, match="user"):
        Eip712Credentials("", None, key)
    same = Eip712Credentials(USER, credentials.signer.lower(), key)
    assert same.signer == credentials.signer


def test_checksum_address_eip55_vectors() -> None:
    for address in (
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ):
        assert to_checksum_address(address.lower()) == address


KECCAK_BACKENDS = []
for _name, _factory in hashing.BACKENDS:
    try:
        KECCAK_BACKENDS.append(_factory())
    except Exception:  # a binding that is not installed here
        continue


@given(st.binary(max_size=600))
def test_every_keccak_backend_agrees(data: bytes) -> None:
    digests = {backend(data) for backend in KECCAK_BACKENDS}
    assert len(digests) == 1
    assert keccak256(data) in digests


def test_keccak_vectors() -> None:
    assert keccak256(b"").hex() == (
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )
    assert hashing.KECCAK_BACKEND in dict(hashing.BACKENDS)
