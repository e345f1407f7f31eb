"""Account administration on the v3 API: registering an agent (an API wallet) for a user,
sub-accounts (create, bind, list, update, transfer) and migrating a user's assets.

These endpoints are signed in their own ways (v3 "Register and Approve Agent", "Create
Sub-Account", ...): with the user's own wallet key over a message the docs spell out
(`TEMPLATES`; a sub-account adds its own `childSignature`), and the agent registration
under the chain id it names (`signatureChainId`). The state is minimal but real: an approved
agent can sign for the user at once, a created sub-account is an engine account of its own
(in the list, with a wallet that transfers move funds in and out of), a frozen one cannot
transfer. Decisions on the docs' gaps: docs/venue-decisions.md, "Account administration".
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count
from typing import Any

from execution.auth import EIP712_CHAIN_ID, recover_signer
from execution.simulator.api import ApiError, EngineProtocol
from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.signature import Authenticator, invalid_signature, rejected_key

SUCCESS = {"code": 200, "msg": "success"}
EVM_CHAIN_ID = 56  # "signatureChainId": 56 for EVM addresses (101: Solana, not simulated)
# the messages the user's own key signs, in the docs' order; optional fields in brackets
TEMPLATES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    # name: (fields, optional fields, the field holding the signer of childSignature)
    "createSubAccount": (("subAccountName", "subSourceAddr", "nonce", "user", "signer"), (),
                         "subSourceAddr"),
    "sub-accounts/bind": (("childAddress", "name", "nonce", "user"), (), "childAddress"),
    "updateSubAccount": (("subSourceAddr", "nonce", "user", "signer"),
                         ("subAccountName", "status"), ""),
    "subAccountTransfer": (("toAccountAddress", "asset", "amount", "kindType", "nonce", "user",
                            "signer"), ("fromAccountAddress",), ""),
}
SUB_STATUSES = frozenset({"NORMAL", "FROZEN"})


@dataclass(slots=True)
class SubAccount:
    address: str
    name: str
    account_id: str
    status: str = "NORMAL"


@dataclass(slots=True)
class Family:
    """A master account and its sub-accounts."""

    master_id: str
    master_address: str
    subs: list[SubAccount] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MigrationBatch:
    batch_id: str
    source_id: str
    destination_id: str
    details: tuple[dict[str, Any], ...]


class AccountAdmin:
    """The server's handlers for agents, sub-accounts and migrations."""

    def __init__(self, engine: EngineProtocol, auth: Authenticator) -> None:
        self.engine = engine
        self.auth = auth
        self.families: dict[str, Family] = {}  # master account id -> family
        self._parent: dict[str, str] = {}  # sub-account address (lower) -> master id
        self._numbers: dict[str, int] = {}
        self._next_number = count(100_000)
        self._sub_numbers = count(1)
        self.batches: dict[str, MigrationBatch] = {}
        self.agents: dict[tuple[str, str], dict[str, Any]] = {}  # (user, agent) -> grant

    # -- authentication -----------------------------------------------------------------------

    def authenticate(self, name: str, params: dict[str, str]) -> tuple[str, tuple[str, int]]:
        """(account, (user, nonce)) of a request signed with the user's own wallet key over
        the docs' message (`migrateUser`: over the parameters as sent)."""
        user = p.required(params, "user")
        nonce = _nonce(params)
        signature = p.required(params, "signature")
        template = TEMPLATES.get(name)
        if template is None:  # asset/migrateUser: the body as sent, without the signature
            message = "&".join(f"{k}={v}" for k, v in params.items() if k != "signature")
        else:
            fields, optional, child_field = template
            message = _message(params, fields, optional)
            if child_field:
                child = p.required(params, "childSignature")
                if not self._signed(message, child, p.required(params, child_field)):
                    raise invalid_signature()
                message += f"&childSignature={child}"
        if not self._signed(message, signature, user):
            raise invalid_signature()
        account_id = self.auth.account_of(user)
        signer = p.text(params, "signer")
        if account_id is None or (signer is not None and name != "asset/migrateUser"
                                  and not self.auth.may_sign(user, signer)):
            raise rejected_key()
        self.auth.check_nonce(user, nonce)
        return account_id, (user, nonce)

    def _signed(self, message: str, signature: str, address: str) -> bool:
        """Signed by `address` under the simulator's chain id or the docs' 1666 (the testnet
        document's sub-account sections name 1666 too)."""
        return any(recover_signer(message, signature, chain_id) == address.lower()
                   for chain_id in {self.auth.chain_id, EIP712_CHAIN_ID})

    # -- dispatch -----------------------------------------------------------------------------

    def handle(self, name: str, account_id: str | None, params: dict[str, str]) -> Any:
        if name == "registerAndApproveAgent":
            return self.register_agent(params)
        assert account_id is not None
        handler = {
            "createSubAccount": self.create_sub_account,
            "sub-accounts/bind": self.bind_sub_account,
            "getSubAccountList": self.sub_account_list,
            "updateSubAccount": self.update_sub_account,
            "subAccountTransfer": self.sub_account_transfer,
            "asset/migrateUser": self.migrate,
            "asset/migrateUser/history": self.migration_history,
        }[name]
        return handler(account_id, params)

    # -- agents -------------------------------------------------------------------------------

    def register_agent(self, params: dict[str, str]) -> Any:
        """Approve `agentAddress` to sign for `user` until `expired`: the user's key signs
        the docs' message under `signatureChainId`."""
        names = ("user", "nonce", "agentName", "agentAddress", "expired", "signatureChainId",
                 "canSpotTrade", "canPerpTrade", "canWithdraw")
        values = {name: p.required(params, name) for name in names}
        user, agent = values["user"], values["agentAddress"]
        nonce = _nonce(params)
        if not p.is_address(agent):
            raise r.invalid_param("agentAddress")
        flags = {name: p.boolean(params, name) for name in names[6:]}
        whitelist = params.get("ipWhitelist", "")
        if flags["canWithdraw"] and not whitelist.strip():
            raise r.mandatory("ipWhitelist")
        expires = p.required_integer(params, "expired")
        if p.required_integer(params, "signatureChainId") != EVM_CHAIN_ID:
            raise r.invalid_param("signatureChainId")
        signature = p.required(params, "signature")
        message = "&".join(f"{name}={values[name]}" for name in names)
        candidates = [f"{message}&ipWhitelist={whitelist}"]
        if "ipWhitelist" not in params:
            candidates.append(message)
        if not any(recover_signer(text, signature, EVM_CHAIN_ID) == user.lower()
                   for text in candidates):
            raise invalid_signature()
        if self.auth.account_of(user) is None:
            raise rejected_key()
        self.auth.use_nonce(user, nonce)
        if expires <= self.auth.now_ms():
            raise r.invalid_param("expired")
        self.agents[(user.lower(), agent.lower())] = {
            "agentName": values["agentName"], "expired": expires, **flags,
            "ipWhitelist": whitelist.split()}
        if flags["canPerpTrade"]:  # futures requests need the perpetual permission
            self.auth.approve_signer(user, agent, expires)
        return dict(SUCCESS)

    # -- sub-accounts -------------------------------------------------------------------------

    def _family(self, master_id: str, master_address: str) -> Family:
        found = self.families.get(master_id)
        if found is None:
            found = self.families[master_id] = Family(master_id, master_address)
        return found

    def _add_sub(self, master_id: str, params: dict[str, str], address: str,
                 name: str) -> None:
        if not p.is_address(address) or address.lower() in self._parent or (
            address.lower() == p.required(params, "user").lower()
        ):
            raise r.invalid_param("subSourceAddr" if "subSourceAddr" in params
                                  else "childAddress")
        if any(f.master_address.lower() == address.lower() and f.subs
               for f in self.families.values()):
            raise r.invalid_param("childAddress")  # a master is nobody's sub-account
        account_id = self.auth.account_of(address)
        if account_id is None:  # a new wallet: a new, empty account
            account_id = f"{master_id}:sub-{next(self._sub_numbers)}"
            self.engine.add_account(account_id, {})
            self.auth.register_user(address, (), account_id)
        self._family(master_id, p.required(params, "user")).subs.append(
            SubAccount(address, name, account_id))
        self._parent[address.lower()] = master_id

    def create_sub_account(self, account_id: str, params: dict[str, str]) -> Any:
        self._add_sub(account_id, params, p.required(params, "subSourceAddr"),
                      p.required(params, "subAccountName"))
        return dict(SUCCESS)

    def bind_sub_account(self, account_id: str, params: dict[str, str]) -> Any:
        self._add_sub(account_id, params, p.required(params, "childAddress"),
                      p.required(params, "name"))
        return dict(SUCCESS)

    def sub_account_list(self, account_id: str, params: dict[str, str]) -> Any:
        family = self.families.get(account_id)
        rows = [{"accountId": self._number(sub.account_id), "subAccountName": sub.name,
                 "parentAccount": False} for sub in (family.subs if family else [])]
        rows.append({"accountId": self._number(account_id), "subAccountName": "",
                     "parentAccount": True})
        return rows

    def update_sub_account(self, account_id: str, params: dict[str, str]) -> Any:
        name, status = p.text(params, "subAccountName"), p.text(params, "status")
        if name is None and status is None:
            raise r.mandatory("subAccountName")
        if status is not None and status not in SUB_STATUSES:
            raise r.invalid_param("status")
        sub = self._sub_of(account_id, p.required(params, "subSourceAddr"))
        if sub is None:
            raise r.invalid_param("subSourceAddr")
        sub.name = name if name is not None else sub.name
        sub.status = status or sub.status
        return dict(SUCCESS)

    def sub_account_transfer(self, account_id: str, params: dict[str, str]) -> Any:
        """Within one family only: master and sub-accounts, neither side frozen; a
        sub-account signing moves its own funds."""
        user = p.required(params, "user")
        source_address = p.text(params, "fromAccountAddress") or user
        master_id = self._parent.get(user.lower(), account_id)
        family = self.families.get(master_id)
        if family is None or (user.lower() in self._parent
                              and source_address.lower() != user.lower()):
            raise r.invalid_param("fromAccountAddress")
        members = {family.master_address.lower(): (family.master_id, "NORMAL")}
        members.update({s.address.lower(): (s.account_id, s.status) for s in family.subs})
        source = members.get(source_address.lower())
        destination = members.get(p.required(params, "toAccountAddress").lower())
        if source is None:
            raise r.invalid_param("fromAccountAddress")
        if destination is None or destination[0] == source[0]:
            raise r.invalid_param("toAccountAddress")
        if "FROZEN" in (source[1], destination[1]):
            raise ApiError(-1130, "A frozen sub-account cannot transfer.")
        self.engine.private(source[0], "POST", "subAccountTransfer", {
            "toAccountId": destination[0], "asset": p.required(params, "asset"),
            "amount": p.required(params, "amount"), "kindType": p.required(params, "kindType")})
        return dict(SUCCESS)

    def _sub_of(self, master_id: str, address: str) -> SubAccount | None:
        family = self.families.get(master_id)
        return next((s for s in family.subs if s.address.lower() == address.lower()),
                    None) if family else None

    def _number(self, account_id: str) -> int:
        if account_id not in self._numbers:
            self._numbers[account_id] = next(self._next_number)
        return self._numbers[account_id]

    # -- migration ----------------------------------------------------------------------------

    def migrate(self, account_id: str, params: dict[str, str]) -> Any:
        """The source (`user`, signed with its own key) to the account of the API wallet
        sent as `signer` (the docs name the destination only as "the authenticated user")."""
        signer = p.required(params, "signer")
        destinations = self.auth.accounts_of_signer(signer) - {account_id}
        if len(destinations) != 1:
            raise r.invalid_param("signer")
        (destination,) = destinations
        moved: list[dict[str, Any]] = self.engine.private(
            account_id, "POST", "asset/migrateUser", {"toAccountId": destination})
        if not moved:
            return {}
        batch_id = secrets.token_urlsafe(16)[:22]
        details = tuple(
            {"id": index, "asset": row["asset"], "amount": _amount(row["amount"]),
             "tranId": row["tranId"], "status": "S", "fromStatus": "S", "fromErrorCode": None,
             "fromResponse": None, "toStatus": "S", "toErrorCode": None, "toResponse": None}
            for index, row in enumerate(moved, start=1))
        self.batches[batch_id] = MigrationBatch(batch_id, account_id, destination, details)
        return {"batchId": batch_id}

    def migration_history(self, account_id: str, params: dict[str, str]) -> Any:
        batch = self.batches.get(p.required(params, "batchId"))
        if batch is None or account_id not in (batch.source_id, batch.destination_id):
            raise r.invalid_param("batchId")
        return {"batchId": batch.batch_id, "totalCount": len(batch.details),
                "successCount": len(batch.details), "processingCount": 0, "failCount": 0,
                "initCount": 0, "details": [dict(row) for row in batch.details]}


def _nonce(params: dict[str, str]) -> int:
    value = p.integer(params, "nonce")
    if value is None:
        raise r.mandatory("nonce")
    return value


def _message(params: dict[str, str], fields: tuple[str, ...], optional: tuple[str, ...]) -> str:
    parts = [f"{name}={p.required(params, name)}" for name in fields]
    parts += [f"{name}={params[name]}" for name in optional if p.text(params, name)]
    return "&".join(parts)


def _amount(value: Any) -> str:
    return format(Decimal(str(value)).quantize(Decimal("0.00000001")), "f")
