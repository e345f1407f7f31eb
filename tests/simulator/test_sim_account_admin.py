"""Account administration over HTTP: registering an agent that can then sign for the user,
sub-accounts (create, bind, list, update, transfer), asset migration, and the testnet's
chain id."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from execution.auth import Eip712Credentials
from execution.simulator import SimulatedExchange
from execution.simulator.accounts import new_wallet

from .contract import create_sub_account, migrate, sub_account_transfer, user_signed

SYMBOL = "BTCUSDT"
AGENT_FIELDS = ("user", "nonce", "agentName", "agentAddress", "expired", "signatureChainId",
                "canSpotTrade", "canPerpTrade", "canWithdraw", "ipWhitelist")


async def _register(client: Any, agent: str, *, chain_id: int = 56, perp: bool = True,
                    withdraw: bool = False, expired_ms: int | None = None,
                    whitelist: str = "", nonce: int | None = None) -> Any:
    account = client.account
    values = {
        "user": account.user, "nonce": str(nonce or client.next_nonce()),
        "agentName": "bot one", "agentAddress": agent,
        "expired": str(expired_ms or int(time.time() * 1000) + 3_600_000),
        "signatureChainId": "56", "canSpotTrade": "false",
        "canPerpTrade": "true" if perp else "false",
        "canWithdraw": "true" if withdraw else "false", "ipWhitelist": whitelist,
    }
    message = "&".join(f"{name}={values[name]}" for name in AGENT_FIELDS)
    values["signature"] = Eip712Credentials(account.user, None,
                                            account.user_private_key).sign(message, chain_id)
    return await client.send("POST", "/fapi/v3/registerAndApproveAgent", "", urlencode(values))


async def _balance(client: Any, user: str, key: str) -> Decimal:
    reply = await client.v3("GET", "/fapi/v3/balance", private_key=key, user=user, signer=user)
    assert reply.status == 200, reply.body
    return Decimal(next(row for row in reply.body if row["asset"] == "USDT")["balance"])


async def test_an_approved_agent_signs_for_the_user(client: Any) -> None:
    agent, agent_key = new_wallet()
    order = {"symbol": SYMBOL, "side": "BUY", "type": "MARKET", "quantity": "0.002"}
    before = await client.v3("POST", "/fapi/v3/order", order, private_key=agent_key,
                             signer=agent)
    assert before.code == -2015
    assert (await _register(client, agent)).body == {"code": 200, "msg": "success"}
    placed = await client.v3("POST", "/fapi/v3/order", order, private_key=agent_key,
                             signer=agent)
    assert placed.status == 200 and placed.body["status"] in ("NEW", "FILLED"), placed.body


async def test_agent_registration_is_checked(client: Any) -> None:
    agent, _agent_key = new_wallet()
    assert (await _register(client, agent, chain_id=1666)).code == -1022  # not the named id
    assert (await _register(client, agent, withdraw=True)).code == -1102  # no whitelist
    assert (await _register(client, agent, expired_ms=1000)).code == -1130
    assert (await _register(client, "0x123")).code == -1130
    nonce = client.next_nonce()
    no_perp, no_perp_key = new_wallet()
    assert (await _register(client, no_perp, perp=False, nonce=nonce)).status == 200
    assert (await _register(client, no_perp, perp=False, nonce=nonce)).code == -4225
    refused = await client.v3("GET", "/fapi/v3/balance", private_key=no_perp_key,
                              signer=no_perp)
    assert refused.code == -2015  # no perpetual-trading permission
    assert (await _register(client, agent, withdraw=True, whitelist="10.0.0.0/24")).status == 200


async def test_a_sub_account_is_listed_renamed_frozen_and_funded(client: Any) -> None:
    sub, sub_key = await create_sub_account(client, "desk-1")
    listing = await client.v3("GET", "/fapi/v3/getSubAccountList")
    assert listing.status == 200, listing.body
    (row, master) = listing.body
    assert (row["subAccountName"], row["parentAccount"]) == ("desk-1", False)
    assert master["parentAccount"] is True and row["accountId"] != master["accountId"]

    assert (await sub_account_transfer(client, sub, "100")).body["code"] == 200
    assert await _balance(client, sub, sub_key) == 100
    back = await sub_account_transfer(client, client.account.user, "40", user=sub, key=sub_key)
    assert back.status == 200, back.body
    assert await _balance(client, sub, sub_key) == 60

    account = client.account
    update = {"subSourceAddr": sub, "nonce": str(client.next_nonce()), "user": account.user,
              "signer": account.signer, "subAccountName": "desk-2", "status": "FROZEN"}
    update["signature"] = user_signed(account, update, ("subSourceAddr", "nonce", "user",
                                                        "signer", "subAccountName", "status"))
    assert (await client.send("POST", "/fapi/v3/updateSubAccount", "",
                              urlencode(update))).status == 200
    listing = await client.v3("GET", "/fapi/v3/getSubAccountList")
    assert listing.body[0]["subAccountName"] == "desk-2"
    frozen = await sub_account_transfer(client, sub, "1")
    assert frozen.code == -1130 and await _balance(client, sub, sub_key) == 60


async def test_sub_account_requests_are_signed_with_the_users_own_key(client: Any) -> None:
    account = client.account
    address, key = new_wallet()
    fields = ("subAccountName", "subSourceAddr", "nonce", "user", "signer")
    values = {"subAccountName": "x", "subSourceAddr": address,
              "nonce": str(client.next_nonce()), "user": account.user, "signer": account.signer}
    values["childSignature"] = user_signed(account, values, fields, key, address)
    by_signer = Eip712Credentials(account.user, None, account.signer_private_key)
    values["signature"] = by_signer.sign("&".join(
        f"{name}={values[name]}" for name in (*fields, "childSignature")))
    reply = await client.send("POST", "/fapi/v3/createSubAccount", "", urlencode(values))
    assert reply.code == -1022  # the API wallet may not stand in for the user's key
    other, _ = new_wallet()
    values["childSignature"] = user_signed(account, values, fields, *new_wallet()[::-1])
    values["signature"] = user_signed(account, values, (*fields, "childSignature"))
    assert (await client.send("POST", "/fapi/v3/createSubAccount", "",
                              urlencode(values))).code == -1022  # not the child's signature
    await create_sub_account(client, "once")
    stranger = await sub_account_transfer(client, other, "1")
    assert stranger.code == -1130  # not within the family


async def test_bind_makes_a_wallet_a_sub_account(client: Any) -> None:
    account = client.account
    child, child_key = new_wallet()
    values = {"childAddress": child, "name": "bound", "nonce": str(client.next_nonce()),
              "user": account.user}
    fields = ("childAddress", "name", "nonce", "user")
    values["childSignature"] = user_signed(account, values, fields, child_key, child)
    values["signature"] = user_signed(account, values, (*fields, "childSignature"))
    reply = await client.send("POST", "/fapi/v3/sub-accounts/bind", "", urlencode(values))
    assert reply.body == {"code": 200, "msg": "success"}, reply.body
    names = [row["subAccountName"] for row in
             (await client.v3("GET", "/fapi/v3/getSubAccountList")).body]
    assert names == ["bound", ""]


async def test_migration_moves_every_balance_and_is_recorded(client: Any) -> None:
    sub, sub_key = await create_sub_account(client, "old")
    assert (await migrate(client, sub, sub_key)).body == {}  # nothing to move
    await sub_account_transfer(client, sub, "250.5")
    master_before = await _balance(client, client.account.user,
                                   client.account.user_private_key)
    batch = await migrate(client, sub, sub_key)
    assert batch.status == 200 and "batchId" in batch.body, batch.body
    assert await _balance(client, sub, sub_key) == 0
    assert await _balance(client, client.account.user,
                          client.account.user_private_key) == master_before + Decimal("250.5")
    history = await client.v3("GET", "/fapi/v3/asset/migrateUser/history",
                              {"batchId": batch.body["batchId"]})
    assert history.status == 200, history.body
    (detail,) = history.body["details"]
    assert (detail["asset"], detail["amount"], detail["status"]) == (
        "USDT", "250.50000000", "S")
    assert history.body["successCount"] == history.body["totalCount"] == 1
    unknown = await client.v3("GET", "/fapi/v3/asset/migrateUser/history", {"batchId": "x"})
    assert unknown.code == -1130


async def test_migration_needs_no_open_orders(client: Any, simulator: SimulatedExchange) -> None:
    sub, sub_key = await create_sub_account(client, "busy")
    await sub_account_transfer(client, sub, "500")
    price = (simulator.mark_price(SYMBOL) * Decimal("0.9")).quantize(Decimal("0.1"))
    rest = await client.v3("POST", "/fapi/v3/order", {
        "symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
        "quantity": "0.002", "price": str(price)}, private_key=sub_key, user=sub, signer=sub)
    assert rest.status == 200, rest.body
    assert (await migrate(client, sub, sub_key)).code == -1130


async def test_testnet_chain_id(simulator_factory: Any, make_client: Any) -> None:
    testnet = make_client(await simulator_factory(chain_id=714))
    assert (await testnet.v3("GET", "/fapi/v3/balance", chain_id=714)).status == 200
    assert (await testnet.v3("GET", "/fapi/v3/balance")).code == -1022  # signed under 1666
    # the testnet document's sub-account sections name chainId 1666: accepted there
    sub, _sub_key = await create_sub_account(testnet, "testnet-sub")
    assert (await sub_account_transfer(testnet, sub, "5")).status == 200
