"""Both authentication schemes against the simulator, with each of the exchange's errors."""

from __future__ import annotations

import time

from execution.auth import hmac_sha256_hex
from execution.simulator import SimulatedExchange
from execution.simulator.accounts import new_wallet
from execution.simulator.signature import Authenticator, strip_signature

BALANCE = "/fapi/v2/balance"


def test_binance_documented_hmac_example_with_query_and_body() -> None:
    secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    auth = Authenticator(lambda: 1499827319559)
    auth.register_hmac("key", secret, "acct")
    query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
    body = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
    signature = "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
    params = dict(p.split("=") for p in (query + "&" + body).split("&"))
    params["signature"] = signature
    principal = auth.verify_hmac("key", query, body + "&signature=" + signature, params)
    assert principal.account_id == "acct"


def test_binance_documented_hmac_example_in_body() -> None:
    secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    body = ("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
            "&recvWindow=5000&timestamp=1499827319559")
    assert hmac_sha256_hex(secret, strip_signature(body + "&signature=x")) == (
        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    )


async def test_hmac_signed_request_in_query_and_in_body(client) -> None:
    reply = await client.hmac("GET", BALANCE)
    assert reply.status == 200, reply.body
    assert any(row["asset"] == "USDT" for row in reply.body)
    reply = await client.hmac("POST", "/fapi/v1/listenKey")
    assert reply.status == 200 and reply.body["listenKey"]


async def test_hmac_errors(client) -> None:
    missing_key = await client.hmac("GET", BALANCE, send_key=False)
    assert (missing_key.status, missing_key.code) == (401, -2014)
    assert missing_key.body["msg"] == "API-key format invalid."
    bad_format = await client.hmac("GET", BALANCE, api_key="not a key!")
    assert (bad_format.status, bad_format.code) == (401, -2014)
    unknown = await client.hmac("GET", BALANCE, api_key="a" * 64)
    assert (unknown.status, unknown.code) == (401, -2015)
    assert unknown.body["msg"] == "Invalid API-key, IP, or permissions for action."
    wrong = await client.hmac("GET", BALANCE, tamper=True)
    assert (wrong.status, wrong.code) == (400, -1022)
    assert wrong.body["msg"] == "Signature for this request is not valid."
    wrong_secret = await client.hmac("GET", BALANCE, secret="other")
    assert wrong_secret.code == -1022
    unsigned = await client.hmac("GET", BALANCE, sign=False)
    assert (unsigned.status, unsigned.code) == (400, -1102)
    assert "'signature'" in unsigned.body["msg"]


async def test_hmac_timestamp_window(client) -> None:
    now = int(time.time() * 1000)
    stale = await client.hmac("GET", BALANCE, timestamp=now - 6000)
    assert (stale.status, stale.code) == (400, -1021)
    assert stale.body["msg"] == "Timestamp for this request is outside of the recvWindow."
    wide = await client.hmac("GET", BALANCE, timestamp=now - 6000, recv_window=10000)
    assert wide.status == 200
    ahead = await client.hmac("GET", BALANCE, timestamp=now + 3000)
    assert ahead.code == -1021 and "1000ms ahead" in ahead.body["msg"]
    too_wide = await client.hmac("GET", BALANCE, recv_window=60001)
    assert too_wide.code == -1131
    # missing timestamp: send the raw request without it
    payload = "recvWindow=5000"
    payload += "&signature=" + hmac_sha256_hex(client.account.api_secret, payload)
    reply = await client.send("GET", BALANCE, payload,
                              headers={"X-MBX-APIKEY": client.account.api_key})
    assert reply.code == -1102 and "'timestamp'" in reply.body["msg"]


async def test_clock_skew_fault_makes_timestamps_stale(simulator, client) -> None:
    simulator.faults.clock_skew_ms = 20_000
    reply = await client.hmac("GET", BALANCE)
    assert reply.code == -1021
    server_time = (await client.public("/fapi/v1/time")).body["serverTime"]
    assert server_time - time.time() * 1000 > 15_000
    simulator.faults.reset()
    assert (await client.hmac("GET", BALANCE)).status == 200


async def test_v3_signed_by_approved_signer_and_by_user(client) -> None:
    reply = await client.v3("GET", "/fapi/v3/balance")
    assert reply.status == 200, reply.body
    own = await client.v3("GET", "/fapi/v3/balance",
                          private_key=client.account.user_private_key,
                          user=client.account.user)
    assert own.status == 200, own.body
    posted = await client.v3("POST", "/fapi/v3/listenKey")
    assert posted.status == 200 and posted.body["listenKey"]


async def test_v3_errors(client) -> None:
    stranger, stranger_key = new_wallet()
    unapproved = await client.v3("GET", "/fapi/v3/balance", private_key=stranger_key,
                                 user=client.account.user)
    assert (unapproved.status, unapproved.code) == (401, -2015)
    unknown_user = await client.v3("GET", "/fapi/v3/balance", private_key=stranger_key,
                                   user=stranger)
    assert unknown_user.code == -2015
    tampered = await client.v3("GET", "/fapi/v3/balance", tamper=True)
    assert (tampered.status, tampered.code) == (400, -1022)
    # signed by the user's key but claiming the approved signer
    mismatch = await client.v3("GET", "/fapi/v3/balance",
                               private_key=client.account.user_private_key,
                               signer=client.account.signer)
    assert mismatch.code == -1022
    missing = await client.send("GET", "/fapi/v3/balance", "user=" + client.account.user)
    assert (missing.status, missing.code) == (400, -1102)


async def test_v3_nonce_rules(client) -> None:
    nonce = client.next_nonce()
    first = await client.v3("GET", "/fapi/v3/balance", nonce=nonce)
    assert first.status == 200
    again = await client.v3("GET", "/fapi/v3/balance", nonce=nonce)
    assert (again.status, again.code) == (400, -4225)
    old = await client.v3("GET", "/fapi/v3/balance", nonce=int(time.time() * 1e6) - 11_000_000)
    assert old.code == -4225
    future = await client.v3("GET", "/fapi/v3/balance",
                             nonce=int(time.time() * 1e6) + 11_000_000)
    assert future.code == -4225
    # a bad signature does not use up its nonce
    spare = client.next_nonce()
    assert (await client.v3("GET", "/fapi/v3/balance", nonce=spare, tamper=True)).code == -1022
    assert (await client.v3("GET", "/fapi/v3/balance", nonce=spare)).status == 200


def test_v3_keeps_only_the_last_hundred_nonces() -> None:
    now_ms = int(time.time() * 1000)
    auth = Authenticator(lambda: now_ms)
    base = now_ms * 1000
    for offset in range(1, 101):
        auth.use_nonce("0xuser", base + offset)
    try:
        auth.use_nonce("0xuser", base)  # older than every kept nonce
    except Exception as error:
        assert getattr(error, "code", None) == -4225
    else:
        raise AssertionError("an expired nonce was accepted")
    auth.use_nonce("0xuser", base + 500)  # newer: accepted, the oldest is forgotten
    auth.use_nonce("0xuser", base + 1000)


async def test_v1_path_without_key_is_not_taken_as_v3(client) -> None:
    reply = await client.v3("GET", "/fapi/v2/balance")
    assert reply.code == -2014


async def test_second_account_is_separate(simulator_factory) -> None:
    from execution.simulator import SimAccount

    first, second = SimAccount.generate("a"), SimAccount.generate("b")
    sim: SimulatedExchange = await simulator_factory(accounts=[first, second])
    assert sim.account_by_id("b") is second
    assert sim.auth.account_for_key(second.api_key or "") == "b"
