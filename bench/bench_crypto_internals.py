"""Private crypto internals or public APIs: what each costs per signature and per order.

    python -m bench.bench_crypto_internals [--quick] [--round-trip-cpu-us N]

`execution.hashing` and `execution.auth` once called pycryptodome's C keccak through its
private cffi handle, and libsecp256k1 through coincurve's private `_libsecp256k1`, to save
microseconds. This measures both private paths (kept here, for the comparison only) against
the public APIs the package uses, per EIP-712 signature (three keccaks and one recoverable
signature) and as a share of the client's own CPU for an order (v3 `create_order` with the
network stubbed, from `bench.overhead`). The rule (docs/architecture.md, "Crypto
internals"): a private internal is worth keeping only above 5% of an order's client CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
from collections.abc import Callable
from typing import Any

from bench.harness import best_seconds
from execution.hashing import KECCAK_BACKEND, keccak256

PRIVATE_KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
MESSAGE = (
    b"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000"
    b"&newClientOrderId=x-7f3a9c2e41b84d0c9e1f&nonce=1790000000000000"
    b"&user=0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
    b"&signer=0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
)
KECCAKS_PER_SIGNATURE = 3
SHARE_LIMIT = 0.05


def keccak_private() -> Callable[[bytes], bytes]:
    """pycryptodome's C keccak through its private cffi handle (the removed fast path)."""
    from Crypto.Util import _raw_api

    raw = importlib.import_module("Crypto.Hash.keccak")._raw_keccak_lib
    ffi = _raw_api.ffi

    def keccak(data: bytes) -> bytes:
        holder = ffi.new("void **")
        raw.keccak_init(holder, 64, 24)
        state = holder[0]
        out = ffi.new("uint8_t[32]")
        raw.keccak_absorb(state, data, len(data))
        raw.keccak_digest(state, out, 32, 1)
        raw.keccak_destroy(state)
        return bytes(ffi.buffer(out))

    return keccak


def keccak_public() -> Callable[[bytes], bytes]:
    from Crypto.Hash import keccak

    return lambda data: keccak.new(data=data, digest_bits=256).digest()


def sign_private(key: Any) -> Callable[[bytes], bytes]:
    """libsecp256k1 through coincurve's private cffi handle (the removed fast path)."""
    from coincurve._libsecp256k1 import ffi, lib

    context, secret = key.context.ctx, key.secret

    def sign(digest: bytes) -> bytes:
        signature = ffi.new("secp256k1_ecdsa_recoverable_signature *")
        lib.secp256k1_ecdsa_sign_recoverable(context, signature, digest, secret,
                                             ffi.NULL, ffi.NULL)
        output = ffi.new("unsigned char[65]")
        recovery_id = ffi.new("int *")
        lib.secp256k1_ecdsa_recoverable_signature_serialize_compact(
            context, output, recovery_id, signature)
        output[64] = recovery_id[0]
        return bytes(ffi.buffer(output))

    return sign


def order_cpu_us(iterations: int) -> float:
    """The client's CPU for one v3 `create_order`, network stubbed (`bench.overhead`)."""
    from bench.overhead import canned_exchange, client_jobs, run_jobs

    async def measure() -> float:
        jobs, cleanups = await client_jobs(canned_exchange(), iterations)
        try:
            wanted = [job for job in jobs if job.contender == "client v3 (EIP-712)"
                      and job.step == "create_order, network stubbed"]
            return (await run_jobs(wanted, 3))[0].microseconds
        finally:
            for cleanup in cleanups:
                await cleanup()

    return asyncio.run(measure())


def run(quick: bool = False, round_trip_cpu_us: float | None = None) -> list[dict[str, Any]]:
    """Rows: each path's µs per signature, and per internal the saving as a share of an
    order's client CPU, with the decision: against `round_trip_cpu_us` (the client's CPU
    per v3 create+cancel over HTTP, two signatures, from `python -m bench --quick`) when
    given, else against the stubbed `create_order` (one signature: an upper bound)."""
    from coincurve import PrivateKey

    number, repeats = (2_000, 7) if quick else (5_000, 25)
    key = PrivateKey(PRIVATE_KEY)
    digest = keccak256(MESSAGE)
    private_keccak, public_keccak = keccak_private(), keccak_public()
    private_sign = sign_private(key)
    assert private_keccak(MESSAGE) == public_keccak(MESSAGE) == digest
    assert private_sign(digest) == key.sign_recoverable(digest, hasher=None)
    calls: list[tuple[str, Callable[[], object], int]] = [
        ("keccak: pycryptodome private cffi", lambda: private_keccak(MESSAGE),
         KECCAKS_PER_SIGNATURE),
        ("keccak: pycryptodome public keccak.new", lambda: public_keccak(MESSAGE),
         KECCAKS_PER_SIGNATURE),
        (f"keccak: in use ({KECCAK_BACKEND})", lambda: keccak256(MESSAGE),
         KECCAKS_PER_SIGNATURE),
        ("secp256k1: coincurve private cffi", lambda: private_sign(digest), 1),
        ("secp256k1: coincurve public sign_recoverable",
         lambda: key.sign_recoverable(digest, hasher=None), 1),
    ]
    seconds = best_seconds([call for _, call, _ in calls], number, repeats)
    per_signature = [s / number * 1e6 * times for s, (_, _, times) in zip(seconds, calls,
                                                                           strict=True)]
    order_us = order_cpu_us(500 if quick else 2_000)
    rows: list[dict[str, Any]] = [
        {"name": name, "value": value, "unit": "µs/signature"}
        for (name, _, _), value in zip(calls, per_signature, strict=True)
    ]
    rows.append({"name": "client v3 create_order CPU, network stubbed", "value": order_us,
                 "unit": "µs/order"})
    if round_trip_cpu_us:
        basis, signatures = f"a create+cancel's {round_trip_cpu_us:.0f} µs", 2
        order_us = round_trip_cpu_us
    else:
        basis, signatures = "a stubbed create_order", 1
    for label, private, public in (("pycryptodome keccak", 0, 1), ("coincurve sign", 3, 4)):
        saving = per_signature[public] - per_signature[private]
        share = saving * signatures / order_us
        verdict = "keep the private path" if share > SHARE_LIMIT else "public API"
        rows.append({"name": f"{label}: private saves", "value": saving,
                     "unit": "µs/signature", "note": f"{share:.1%} of {basis}: {verdict}"})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--round-trip-cpu-us", type=float, default=None,
                        help="client CPU per v3 create+cancel (python -m bench --quick)")
    arguments = parser.parse_args()
    rows = run(arguments.quick, arguments.round_trip_cpu_us)
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        print(f"{row['name']:<{width}}  {row['value']:>8.2f} {row['unit']:<13} "
              f"{row.get('note', '')}")


if __name__ == "__main__":
    main()
