"""Keccak-256 (Ethereum's, not NIST SHA3-256) through the fastest binding installed.

Signing a v3 request takes three keccaks. `safe-pysha3` (a dependency) costs about 2 µs a
hash; pycryptodome's `keccak.new`, the fallback, about 6 µs. Both are public APIs: calling
pycryptodome's C functions through its private cffi handle saved about 2.5 µs a hash, under
5% of an order's client CPU (docs/architecture.md, "Crypto internals"), so it is not done.
Every backend is checked against known vectors at import, so a wrong one is never picked.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

_EMPTY_KECCAK256 = bytes.fromhex(
    "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
)
_ABC_KECCAK256 = bytes.fromhex("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")


def _pysha3() -> Callable[[bytes], bytes]:
    # Imported by name: the optional binding (distribution `safe-pysha3`) ships no types.
    new = importlib.import_module("sha3").keccak_256

    def keccak256(data: bytes) -> bytes:
        return new(data).digest()  # type: ignore[no-any-return]

    return keccak256


def _pycryptodome() -> Callable[[bytes], bytes]:
    from Crypto.Hash import keccak

    new = keccak.new

    def keccak256(data: bytes) -> bytes:
        return new(data=data, digest_bits=256).digest()

    return keccak256


BACKENDS: tuple[tuple[str, Callable[[], Callable[[bytes], bytes]]], ...] = (
    ("safe-pysha3", _pysha3),
    ("pycryptodome", _pycryptodome),
)
"""Each binding's name and factory, fastest first (a factory raises if it is missing)."""


def _select() -> tuple[str, Callable[[bytes], bytes]]:
    for name, factory in BACKENDS:
        try:
            function = factory()
            if function(b"") == _EMPTY_KECCAK256 and function(b"abc") == _ABC_KECCAK256:
                return name, function
        except Exception:  # an absent or broken binding: try the next one
            continue
    raise ImportError("no working keccak-256 implementation (install pycryptodome)")


KECCAK_BACKEND, keccak256 = _select()
"""`keccak256(data) -> 32 bytes`, and the name of the binding that computes it."""
