"""Simulator accounts and their credentials (an HMAC key pair and/or a v3 wallet user)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from coincurve import PrivateKey

from execution.auth import address_of_public_key, to_checksum_address

DEFAULT_BALANCES: dict[str, Decimal] = {"USDT": Decimal("10000")}


def new_wallet() -> tuple[str, str]:
    """A fresh (checksum address, 0x-hex private key) pair."""
    key = PrivateKey(secrets.token_bytes(32))
    return to_checksum_address(address_of_public_key(key.public_key)), "0x" + key.secret.hex()


def address_of(private_key: str) -> str:
    """The checksum address of a 0x-hex private key."""
    key = PrivateKey(bytes.fromhex(private_key.removeprefix("0x")))
    return to_checksum_address(address_of_public_key(key.public_key))


@dataclass
class SimAccount:
    """One account of the simulator. Secrets stay out of the repr.

    `user` is the v3 main wallet; `signer` an approved API wallet whose private key is
    `signer_private_key`; `user_private_key` (when the simulator created the user) lets the
    user sign for itself. `extra_signers` are further approved signer addresses.
    """

    account_id: str
    api_key: str | None = None
    api_secret: str | None = field(default=None, repr=False)
    user: str | None = None
    signer: str | None = None
    signer_private_key: str | None = field(default=None, repr=False)
    user_private_key: str | None = field(default=None, repr=False)
    balances: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_BALANCES))
    extra_signers: tuple[str, ...] = ()

    @classmethod
    def generate(
        cls, account_id: str = "default", balances: dict[str, Decimal] | None = None
    ) -> SimAccount:
        """An account with a new HMAC key pair and a new v3 user with one approved signer."""
        user, user_key = new_wallet()
        signer, signer_key = new_wallet()
        return cls(
            account_id=account_id,
            api_key=secrets.token_hex(32),
            api_secret=secrets.token_hex(32),
            user=user,
            signer=signer,
            signer_private_key=signer_key,
            user_private_key=user_key,
            balances=dict(balances) if balances is not None else dict(DEFAULT_BALANCES),
        )

    @property
    def signers(self) -> tuple[str, ...]:
        """Every address the user approved to sign (the user itself may sign too)."""
        return tuple(s for s in (self.signer, *self.extra_signers) if s)
