"""Request signing for both AsterDEX schemes, in one place.

v1 (legacy, also Binance): hex HMAC-SHA256 of the total parameter string with the API secret.
v3 (API wallet): EIP-712 typed data `Message(string msg)` under the domain
`AsterSignTransaction`/1/chainId 1666/zero contract, where `msg` is the URL-encoded parameter
string that is sent. The digest is computed directly (domain separator once, two keccaks per
request) and signed with libsecp256k1; this gives the same bytes as a generic typed-data
library at a fraction of its cost. `recover_signer` is the exchange side of the same scheme.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

from coincurve import PrivateKey, PublicKey

from execution.errors import ConfigurationError
from execution.hashing import keccak256
from execution.secrets import Secret

EIP712_DOMAIN_NAME = "AsterSignTransaction"
EIP712_DOMAIN_VERSION = "1"
EIP712_CHAIN_ID = 1666
EIP712_TESTNET_CHAIN_ID = 714  # AsterDEX testnet signs under its own chain id
EIP712_VERIFYING_CONTRACT = "0x" + "00" * 20


def _domain_separator(chain_id: int = EIP712_CHAIN_ID) -> bytes:
    domain_type_hash = keccak256(
        b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    return keccak256(
        domain_type_hash
        + keccak256(EIP712_DOMAIN_NAME.encode())
        + keccak256(EIP712_DOMAIN_VERSION.encode())
        + chain_id.to_bytes(32, "big")
        + bytes(12)
        + bytes.fromhex(EIP712_VERIFYING_CONTRACT[2:])
    )


_MESSAGE_TYPE_HASH = keccak256(b"Message(string msg)")
_DOMAIN_SEPARATOR = _domain_separator()
_PREFIX = b"\x19\x01" + _DOMAIN_SEPARATOR


_PREFIXES: dict[int, bytes] = {EIP712_CHAIN_ID: _PREFIX}


def _prefix_for(chain_id: int) -> bytes:
    prefix = _PREFIXES.get(chain_id)
    if prefix is None:
        prefix = _PREFIXES[chain_id] = b"\x19\x01" + _domain_separator(chain_id)
    return prefix


def eip712_digest(message: str, chain_id: int = EIP712_CHAIN_ID) -> bytes:
    """The 32-byte EIP-712 digest of `Message(msg=message)` in the AsterDEX domain."""
    struct_hash = keccak256(_MESSAGE_TYPE_HASH + keccak256(message.encode()))
    prefix = _PREFIX if chain_id == EIP712_CHAIN_ID else _prefix_for(chain_id)
    return keccak256(prefix + struct_hash)


def eip712_typed_data(message: str, chain_id: int = EIP712_CHAIN_ID) -> dict[str, Any]:
    """The typed data `eip712_digest` hashes, in the JSON form of `eth_signTypedData_v4`:
    what a generic signer (a wallet, eth-account's `encode_typed_data`) is given to sign."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Message": [{"name": "msg", "type": "string"}],
        },
        "primaryType": "Message",
        "domain": {
            "name": EIP712_DOMAIN_NAME,
            "version": EIP712_DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": EIP712_VERIFYING_CONTRACT,
        },
        "message": {"msg": message},
    }


def address_of_public_key(public_key: PublicKey) -> str:
    """The 0x-prefixed lowercase Ethereum address of a secp256k1 public key."""
    return "0x" + keccak256(public_key.format(compressed=False)[1:])[-20:].hex()


def to_checksum_address(address: str) -> str:
    """EIP-55 mixed-case checksum form of an address."""
    lower = address.lower().removeprefix("0x")
    digest = keccak256(lower.encode()).hex()
    return "0x" + "".join(
        c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(lower)
    )


def recover_signer(
    message: str, signature: str, chain_id: int = EIP712_CHAIN_ID
) -> str | None:
    """The lowercase address that produced `signature` over `message`, or None if invalid."""
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
        if len(raw) != 65:
            return None
        v = raw[64]
        recovery_id = v - 27 if v >= 27 else v
        if recovery_id not in (0, 1):
            return None
        public_key = PublicKey.from_signature_and_message(
            raw[:64] + bytes([recovery_id]), eip712_digest(message, chain_id), hasher=None
        )
    except Exception:  # malformed signature of any kind: no signer
        return None
    return address_of_public_key(public_key)


def hmac_sha256_hex(secret: str, payload: str) -> str:
    return hmac.digest(secret.encode(), payload.encode(), "sha256").hex()  # one C call


@dataclass(frozen=True, slots=True)
class HmacCredentials:
    """v1 credentials: API key (public) and secret."""

    api_key: str
    api_secret: Secret = field(repr=True)

    def __post_init__(self) -> None:
        if not self.api_key or not self.api_secret:
            raise ConfigurationError("HMAC credentials need both an API key and a secret")
        if not isinstance(self.api_secret, Secret):
            object.__setattr__(self, "api_secret", Secret(str(self.api_secret)))

    def sign(self, payload: str) -> str:
        return hmac_sha256_hex(self.api_secret.reveal(), payload)


_V_BYTE = (b"\x1b", b"\x1c")  # recovery id 0/1 as the v byte 27/28


class Eip712Credentials:
    """v3 credentials: main wallet `user`, approved `signer` and the signer's private key."""

    __slots__ = ("_key", "signer", "user")

    def __init__(self, user: str, signer: str | None, private_key: Secret | str) -> None:
        key_text = private_key.reveal() if isinstance(private_key, Secret) else private_key
        try:
            key_bytes = bytes.fromhex(key_text.removeprefix("0x"))
            if len(key_bytes) != 32:  # coincurve would silently left-pad a short key
                raise ValueError("not 32 bytes")
            self._key = PrivateKey(key_bytes)
        except Exception:
            raise ConfigurationError("the v3 private key is not a 32-byte hex string") from None
        derived = to_checksum_address(address_of_public_key(self._key.public_key))
        if signer and signer.lower() != derived.lower():
            raise ConfigurationError(
                f"the private key belongs to {derived}, not to the signer {signer}"
            )
        if not user:
            raise ConfigurationError("v3 credentials need the main wallet address (user)")
        self.user = to_checksum_address(user)
        self.signer = derived

    def sign(self, message: str, chain_id: int = EIP712_CHAIN_ID) -> str:
        """0x-hex 65-byte r‖s‖v signature (v = 27/28) of the EIP-712 message."""
        # eip712_digest inlined: this runs once per signed request.
        struct_hash = keccak256(_MESSAGE_TYPE_HASH + keccak256(message.encode()))
        prefix = _PREFIX if chain_id == EIP712_CHAIN_ID else _prefix_for(chain_id)
        raw = self._sign_digest(keccak256(prefix + struct_hash))
        return "0x" + (raw[:64] + _V_BYTE[raw[64]]).hex()

    def _sign_digest(self, digest: bytes) -> bytes:
        """r‖s‖recovery id (65 bytes) of a 32-byte digest, by coincurve's public API (its
        private cffi handle saved nothing measurable: "Crypto internals")."""
        return self._key.sign_recoverable(digest, hasher=None)

    def __repr__(self) -> str:
        return f"Eip712Credentials(user={self.user!r}, signer={self.signer!r}, private_key=***)"


Credentials = HmacCredentials | Eip712Credentials
