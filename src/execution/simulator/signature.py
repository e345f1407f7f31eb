"""The exchange side of request authentication: v1 HMAC-SHA256 and v3 EIP-712.

v1: header `X-MBX-APIKEY`, params `timestamp` and optional `recvWindow` (default 5000, at
most 60000), `signature` = hex HMAC-SHA256 of the query string concatenated with the body,
exactly as sent and without the `signature=` pair.
v3: params `user`, `signer`, `nonce` (µs, within 10 s of server time; the last 100 nonces of
each user are remembered and a repeat is rejected) and `signature`, an EIP-712 signature of
the total parameter string as sent without the `signature=` pair. The user's own key or a
signer the user approved may sign. `user` may be left out when the signer is approved for
exactly one user (the docs' own order example sends no `user`); a signature over the query
string alone is accepted when the body repeats the query's parameters (demo/aster-code.py
posts that way). See docs/venue-decisions.md.
"""

from __future__ import annotations

import heapq
import hmac
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from execution.auth import EIP712_CHAIN_ID, recover_signer
from execution.simulator.api import ApiError

DEFAULT_RECV_WINDOW_MS = 5000
MAX_RECV_WINDOW_MS = 60000
FUTURE_TOLERANCE_MS = 1000
NONCE_WINDOW_US = 10_000_000
NONCES_KEPT = 100

_API_KEY_FORMAT = re.compile(r"^[A-Za-z0-9]{1,128}$")


def invalid_signature() -> ApiError:
    return ApiError(-1022, "Signature for this request is not valid.")


def bad_api_key_format() -> ApiError:
    return ApiError(-2014, "API-key format invalid.", http_status=401)


def rejected_key() -> ApiError:
    return ApiError(-2015, "Invalid API-key, IP, or permissions for action.", http_status=401)


def missing_parameter(name: str) -> ApiError:
    return ApiError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def strip_signature(encoded: str) -> str:
    """`encoded` (an a=1&b=2 string) without its `signature=` pair, otherwise unchanged."""
    if "signature=" not in encoded:
        return encoded
    return "&".join(part for part in encoded.split("&") if not part.startswith("signature="))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request was authenticated as."""

    account_id: str
    scheme: str  # "hmac" | "eip712"
    user: str | None = None  # v3: the user acted for (sent, or implied by the signer)
    nonce: int | None = None  # v3: the request's nonce (spent when it is processed)


class Authenticator:
    """Holds the registered credentials and verifies requests against them."""

    def __init__(self, clock_ms: Callable[[], int], chain_id: int = EIP712_CHAIN_ID) -> None:
        self._clock_ms = clock_ms
        self.chain_id = chain_id
        self._secrets: dict[str, tuple[bytes, str]] = {}  # api key -> (secret, account)
        self._users: dict[str, tuple[str, frozenset[str]]] = {}  # user -> (account, signers)
        self._nonces: dict[str, tuple[list[int], set[int]]] = {}  # user -> (heap, set)
        self._expiry: dict[tuple[str, str], int] = {}  # (user, signer) -> last valid ms

    def register_hmac(self, api_key: str, api_secret: str, account_id: str) -> None:
        self._secrets[api_key] = (api_secret.encode(), account_id)

    def register_user(self, user: str, signers: Iterable[str], account_id: str) -> None:
        allowed = frozenset(s.lower() for s in (user, *signers))
        self._users[user.lower()] = (account_id, allowed)

    def approve_signer(self, user: str, signer: str, expires_ms: int | None = None) -> None:
        """Let `signer` sign for the registered `user` (until `expires_ms`, when given)."""
        account_id, allowed = self._users[user.lower()]
        self._users[user.lower()] = (account_id, allowed | {signer.lower()})
        if expires_ms is not None:
            self._expiry[(user.lower(), signer.lower())] = expires_ms

    def now_ms(self) -> int:
        return self._clock_ms()

    def accounts_of_signer(self, signer: str) -> set[str]:
        """The accounts of every user who approved `signer` (or is it)."""
        return {account for account, allowed in self._users.values()
                if signer.lower() in allowed}

    def account_of(self, user: str) -> str | None:
        """The account of a registered v3 user, or None."""
        entry = self._users.get(user.lower())
        return entry[0] if entry is not None else None

    def may_sign(self, user: str, signer: str) -> bool:
        """Whether `signer` may sign for `user` now (approved and not expired)."""
        entry = self._users.get(user.lower())
        if entry is None or signer.lower() not in entry[1]:
            return False
        expiry = self._expiry.get((user.lower(), signer.lower()))
        return expiry is None or self._clock_ms() <= expiry

    # v1 -----------------------------------------------------------------------------------

    def account_for_key(self, api_key: str | None) -> str:
        """The account an API key belongs to (USER_STREAM endpoints need only the key)."""
        if not api_key or not _API_KEY_FORMAT.match(api_key):
            raise bad_api_key_format()
        entry = self._secrets.get(api_key)
        if entry is None:
            raise rejected_key()
        return entry[1]

    def verify_hmac(
        self, api_key: str | None, query: str, body: str, params: dict[str, str]
    ) -> Principal:
        """Check key, signature and timestamp of a v1 SIGNED request."""
        if not api_key or not _API_KEY_FORMAT.match(api_key):
            raise bad_api_key_format()
        entry = self._secrets.get(api_key)
        if entry is None:
            raise rejected_key()
        secret, account_id = entry
        self._check_timestamp(params, required=True)
        signature = params.get("signature")
        if not signature:
            raise missing_parameter("signature")
        payload = strip_signature(query) + strip_signature(body)
        expected = hmac.digest(secret, payload.encode(), "sha256").hex()
        if not hmac.compare_digest(expected, signature.lower()):
            raise invalid_signature()
        return Principal(account_id, "hmac")

    # v3 -----------------------------------------------------------------------------------

    def verify_eip712(
        self, query: str, body: str, params: dict[str, str], *, spend_nonce: bool = True
    ) -> Principal:
        """Check user, signer, nonce and signature of a v3 signed request.

        `spend_nonce=False` checks the nonce without using it up: the server spends it when
        the request is processed (at once, later from the queue, or never), so a `noop` with
        the same nonce can still take it while the request waits."""
        for name in ("signer", "nonce", "signature"):
            if not params.get(name):
                raise missing_parameter(name)
        signer = params["signer"].lower()
        user = (params.get("user") or self._only_user_of(signer)).lower()
        entry = self._users.get(user)
        if entry is None:
            raise rejected_key()
        account_id, _allowed = entry
        if not self.may_sign(user, signer):
            raise rejected_key()
        try:
            nonce = int(params["nonce"])
        except ValueError:
            raise missing_parameter("nonce") from None
        if "timestamp" in params:
            self._check_timestamp(params, required=False)
        if not self._signed_by(signer, query, body, params["signature"]):
            raise invalid_signature()
        if spend_nonce:
            self.use_nonce(user, nonce)
        else:
            self.check_nonce(user, nonce)
        return Principal(account_id, "eip712", user, nonce)

    def _only_user_of(self, signer: str) -> str:
        """The one user who approved `signer`; -1102 (user) when none or several did."""
        users = [user for user, (_, allowed) in self._users.items() if signer in allowed]
        if len(users) != 1:
            raise missing_parameter("user")
        return users[0]

    def _signed_by(self, signer: str, query: str, body: str, signature: str) -> bool:
        """The signature is `signer`'s over the total parameter string (query, then body),
        or over the query alone when the body only repeats the query's parameters."""
        query, body = strip_signature(query), strip_signature(body)
        messages = ["&".join(p for p in (query, body) if p)]
        if query and body and _same_params(query, body):
            messages.append(query)
        for message in messages:
            if recover_signer(message, signature, self.chain_id) == signer:
                return True
        return False

    def check_nonce(self, user: str, nonce: int, *, check_window: bool = True) -> None:
        """Raise -4225 unless `nonce` would be accepted for `user` now, in the order of the
        v3 doc's "V3 Nonce Mechanism": a nonce already used is a duplicate; with the 100
        kept nonces full, one below the smallest kept is expired; one more than 10 s from
        server time is invalid. `check_window=False` is for a request taken from the queue
        later (its nonce was checked against the clock when it arrived)."""
        kept, seen = self._nonces.setdefault(user.lower(), ([], set()))
        if nonce in seen:
            raise ApiError(-4225, "Duplicate nonce: this request was already received.")
        if len(kept) >= NONCES_KEPT and nonce < kept[0]:
            raise ApiError(-4225, "Nonce has expired.")
        if check_window and abs(self._clock_ms() * 1000 - nonce) > NONCE_WINDOW_US:
            raise ApiError(-4225, "Nonce is outside of the allowed time window.")

    def use_nonce(self, user: str, nonce: int, *, check_window: bool = True) -> None:
        """`check_nonce`, then keep `nonce` as used; the oldest (smallest) kept nonce makes
        room for it once 100 are kept."""
        self.check_nonce(user, nonce, check_window=check_window)
        kept, seen = self._nonces[user.lower()]
        heapq.heappush(kept, nonce)
        seen.add(nonce)
        if len(kept) > NONCES_KEPT:
            seen.discard(heapq.heappop(kept))

    # shared -------------------------------------------------------------------------------

    def _check_timestamp(self, params: dict[str, str], *, required: bool) -> None:
        raw = params.get("timestamp")
        if not raw:
            if required:
                raise missing_parameter("timestamp")
            return
        try:
            timestamp = int(raw)
        except ValueError:
            raise missing_parameter("timestamp") from None
        recv_window = DEFAULT_RECV_WINDOW_MS
        if "recvWindow" in params:
            try:
                recv_window = int(params["recvWindow"])
            except ValueError:
                raise missing_parameter("recvWindow") from None
            if recv_window > MAX_RECV_WINDOW_MS or recv_window <= 0:
                raise ApiError(-1131, "recvWindow must be less than 60000")
        now = self._clock_ms()
        if timestamp >= now + FUTURE_TOLERANCE_MS:
            raise ApiError(
                -1021, "Timestamp for this request was 1000ms ahead of the server's time."
            )
        if now - timestamp > recv_window:
            raise ApiError(-1021, "Timestamp for this request is outside of the recvWindow.")


def _same_params(query: str, body: str) -> bool:
    """Whether two a=1&b=2 strings carry the same parameters (decoded, in any order)."""
    return sorted(parse_qsl(query, keep_blank_values=True)) == sorted(
        parse_qsl(body, keep_blank_values=True)
    )
