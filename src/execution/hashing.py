"""Keccak-256 (Ethereum's, not NIST SHA3-256) through the fastest binding installed.

Signing a v3 request takes three keccaks, so the per-call cost of the binding matters:
`safe-pysha3`'s C object costs about 1 µs a hash; pycryptodome's public `keccak.new` builds
a Python object with a finaliser around its C state and costs 6 to 10 µs. Without
`safe-pysha3`, pycryptodome's own C functions are called directly (about 4 µs), and only if
that is not possible (no cffi) its public API is used. Every backend is checked against a
known vector at import, so a wrong one can never be picked.
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


def _pycryptodome_raw() -> Callable[[bytes], bytes]:
    # pycryptodome's C keccak called through its cffi handle, without the per-hash object.
    from Crypto.Util import _raw_api

    raw = importlib.import_module("Crypto.Hash.keccak")._raw_keccak_lib

    if _raw_api.backend != "cffi":
        raise ImportError("pycryptodome is not using cffi")
    ffi = _raw_api.ffi
    new = ffi.new
    buffer = ffi.buffer
    init, absorb, digest, destroy = (
        raw.keccak_init,
        raw.keccak_absorb,
        raw.keccak_digest,
        raw.keccak_destroy,
    )

    def keccak256(data: bytes) -> bytes:
        holder = new("void **")
        if init(holder, 64, 24):
            raise RuntimeError("keccak_init failed")
        state = holder[0]
        out = new("uint8_t[32]")
        try:
            if absorb(state, data, len(data)) or digest(state, out, 32, 1):
                raise RuntimeError("keccak failed")
        finally:
            destroy(state)
        return bytes(buffer(out))

    return keccak256


def _pycryptodome() -> Callable[[bytes], bytes]:
    from Crypto.Hash import keccak

    new = keccak.new

    def keccak256(data: bytes) -> bytes:
        return new(data=data, digest_bits=256).digest()

    return keccak256


def _select() -> tuple[str, Callable[[bytes], bytes]]:
    for name, factory in (
        ("safe-pysha3", _pysha3),
        ("pycryptodome-raw", _pycryptodome_raw),
        ("pycryptodome", _pycryptodome),
    ):
        try:
            function = factory()
            if function(b"") == _EMPTY_KECCAK256 and function(b"abc") == _ABC_KECCAK256:
                return name, function
        except Exception:  # an absent or broken binding: try the next one
            continue
    raise ImportError("no working keccak-256 implementation (install pycryptodome)")


KECCAK_BACKEND, keccak256 = _select()
"""`keccak256(data) -> 32 bytes`, and the name of the binding that computes it."""
