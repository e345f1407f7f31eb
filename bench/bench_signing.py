"""Request signing cost: µs per HMAC and per EIP-712 signature, next to the alternatives.

    python -m bench.bench_signing [--quick]

Rows: this package's HMAC and EIP-712 signers, the EIP-712 parts (three keccaks, the
libsecp256k1 signature), eth-account's generic typed-data path, and ccxt's `aster` (v3) and
`binanceusdm` (HMAC) `sign()` called in isolation (no network: `sign()` only builds the
signed request).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.harness import best_seconds, quick_option
from execution.auth import Eip712Credentials, HmacCredentials, eip712_digest, eip712_typed_data
from execution.hashing import KECCAK_BACKEND
from execution.secrets import Secret

EIP712_SIGN_US = "EIP-712 sign µs/request"  # the key bench.components reads
TARGET_EIP712_US = 60.0

PRIVATE_KEY = "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
USER = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
ORDER_PARAMS = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.001",
    "price": "50000",
    "newClientOrderId": "x-7f3a9c2e41b84d0c9e1f",
}


def _message(credentials: Eip712Credentials) -> str:
    extra = f"&user={credentials.user}&signer={credentials.signer}&nonce=1790000000000000"
    return "&".join(f"{k}={v}" for k, v in ORDER_PARAMS.items()) + extra


def _best_micros(calls: list[Callable[[], object]], number: int, repeats: int) -> list[float]:
    """µs per call of each call (`best_seconds`: the calls take turns in each round)."""
    return [seconds / number * 1e6 for seconds in best_seconds(calls, number, repeats)]


def _eth_account_signer(message: str) -> Callable[[], object]:
    from eth_account import Account
    from eth_account.messages import encode_typed_data

    data = eip712_typed_data(message)

    def sign() -> object:
        return Account.sign_message(encode_typed_data(full_message=data), PRIVATE_KEY)

    return sign


def _ccxt_signers() -> list[tuple[str, Callable[[], object]]]:
    import ccxt

    aster = ccxt.aster(
        {
            "privateKey": PRIVATE_KEY,
            "walletAddress": USER,
            "options": {"builderFee": False, "fetchCurrencies": False},
        }
    )
    binance = ccxt.binanceusdm({"apiKey": "bench-key", "secret": "bench-secret"})
    return [
        (
            "ccxt aster sign() (EIP-712 v3)",
            lambda: aster.sign("order", ["fapiPrivate"], "POST", dict(ORDER_PARAMS)),
        ),
        (
            "ccxt binanceusdm sign() (HMAC)",
            lambda: binance.sign("order", ["fapiPrivate"], "POST", dict(ORDER_PARAMS)),
        ),
    ]


def run(quick: bool = False) -> list[dict[str, Any]]:
    """One measurement per signer: `name`, `value` (µs), `unit`, `note`, optional `metric`."""
    fast, slow, repeats = (1_000, 3, 5) if quick else (4_000, 20, 15)
    eip712 = Eip712Credentials(USER, None, Secret(PRIVATE_KEY))
    hmac = HmacCredentials("bench-key", Secret("bench-secret"))
    message = _message(eip712)
    digest = eip712_digest(message)
    sign_digest = eip712._sign_digest  # the libsecp256k1 step alone
    ours: list[tuple[str, Callable[[], object], str, str]] = [
        ("HMAC-SHA256 sign (v1)", lambda: hmac.sign(message), "", ""),
        (
            "EIP-712 sign (v3)",
            lambda: eip712.sign(message),
            f"target <= {TARGET_EIP712_US:.0f} µs; keccak: {KECCAK_BACKEND}",
            EIP712_SIGN_US,
        ),
        ("  of which: EIP-712 digest (3 keccaks)", lambda: eip712_digest(message), "", ""),
        ("  of which: secp256k1 recoverable sign", lambda: sign_digest(digest), "", ""),
    ]
    timings = _best_micros([call for _, call, _, _ in ours], fast, repeats)
    rows: list[dict[str, Any]] = []
    for (name, _, note, metric), micros in zip(ours, timings, strict=True):
        row: dict[str, Any] = {"name": name, "value": micros, "unit": "µs", "note": note}
        if metric:
            row["metric"] = metric
        rows.append(row)
    ours_hmac, ours_eip712 = timings[0], timings[1]
    # (name, call, our time for the same scheme)
    alternatives: list[tuple[str, Callable[[], object], float]] = []
    try:
        alternatives.append(
            ("eth-account encode_typed_data + sign", _eth_account_signer(message), ours_eip712)
        )
    except Exception as error:  # eth-account missing: say so in the table
        rows.append({"name": "eth-account", "value": 0, "unit": "µs", "note": repr(error)})
    try:
        (aster_name, aster_sign), (binance_name, binance_sign) = _ccxt_signers()
        alternatives.append((aster_name, aster_sign, ours_eip712))
        alternatives.append((binance_name, binance_sign, ours_hmac))
    except Exception as error:
        rows.append({"name": "ccxt", "value": 0, "unit": "µs", "note": repr(error)})
    for _, call, _ in alternatives:
        call()  # the first call pays for lazy imports and caches
    # ccxt's aster signer takes milliseconds: fewer calls, same number of rounds.
    counts = [max(slow // 10, 2) if "aster" in name else slow * 10 for name, _, _ in alternatives]
    for (name, call, same_scheme), number in zip(alternatives, counts, strict=True):
        value = _best_micros([call], number, max(repeats // 3, 2))[0]
        rows.append(
            {"name": name, "value": value, "unit": "µs",
             "note": f"{value / same_scheme:.1f}x ours"}
        )
    return rows


def main() -> None:
    rows = run(quick=quick_option(__doc__.splitlines()[0]))
    width = max(len(row["name"]) for row in rows)
    print(f"{'signer':<{width}}  {'µs/sign':>10}  note")
    for row in rows:
        print(f"{row['name']:<{width}}  {row['value']:>10,.1f}  {row.get('note', '')}")


if __name__ == "__main__":
    main()
