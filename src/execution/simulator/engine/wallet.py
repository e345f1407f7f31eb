"""Transfers between the futures wallet and the account's spot wallet (v1/v3 "Transfer
Between Futures And Spot"): `kindType` FUTURE_SPOT or SPOT_FUTURE, a `clientTranId`
unique per account, the amount moved at once. A USDT transfer is booked as `TRANSFER`
income, so the futures wallet stays the start plus every income, and reported as an
`ACCOUNT_UPDATE` (reason WITHDRAW or DEPOSIT, as Binance's stream names them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from execution.simulator.api import ApiError
from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine.accounts import MARGIN_ASSET, Account, money
from execution.simulator.engine.orders import ZERO
from execution.simulator.engine.trading import TradingCore

KIND_TYPES = frozenset({"FUTURE_SPOT", "SPOT_FUTURE"})
# sub-account transfers: (from the spot wallet?, to the spot wallet?)
SUB_KINDS = {"FUTURE_FUTURE": (False, False), "FUTURE_SPOT": (False, True),
             "SPOT_FUTURE": (True, False), "SPOT_SPOT": (True, True)}
MAX_MIGRATED_ASSETS = 300
NOT_EMPTY = "Migration needs an account with no open orders and no open positions."
MAX_CLIENT_TRAN_ID = 64
BAD_ASSET = (-1108, "Invalid asset.")
BALANCE_INSUFFICIENT = (-2018, "Balance is insufficient.")
CLIENT_TRAN_ID_INVALID = (-4114, "clientTranId  is not valid")
CLIENT_TRAN_ID_DUPLICATED = (-4115, "clientTranId  is duplicated")


class WalletDesk:
    """The futures/spot transfer of every account."""

    def __init__(self, core: TradingCore) -> None:
        self.core = core
        self._client_ids: dict[str, set[str]] = {}
        self.handlers = {
            ("POST", "asset/wallet/transfer"): self.transfer,
            # reached only through the server's sub-account and migration endpoints, which
            # authenticate both accounts and name the destination account
            ("POST", "subAccountTransfer"): self.to_account,
            ("POST", "asset/migrateUser"): self.migrate,
        }

    def transfer(self, account: Account, params: p.Params) -> Any:
        amount = p.required_decimal(params, "amount")
        asset = p.required(params, "asset")
        client_id = p.required(params, "clientTranId")
        kind = p.required(params, "kindType")
        if kind not in KIND_TYPES:
            raise r.invalid_param("kindType")
        if amount <= 0:
            raise ApiError(*r.AMOUNT_NOT_POSITIVE)
        if amount != money(amount):
            raise r.bad_precision()
        if len(client_id) > MAX_CLIENT_TRAN_ID:
            raise ApiError(*CLIENT_TRAN_ID_INVALID)
        seen = self._client_ids.setdefault(account.account_id, set())
        if client_id in seen:
            raise ApiError(*CLIENT_TRAN_ID_DUPLICATED)
        if asset not in account.balances and asset not in account.spot_balances:
            raise ApiError(*BAD_ASSET)
        return {"tranId": self.move(account, asset, amount, kind == "FUTURE_SPOT",
                                    client_id), "status": "SUCCESS"}

    def move(
        self, account: Account, asset: str, amount: Decimal, to_spot: bool, client_id: str
    ) -> int:
        """Move `amount` of `asset` between the account's futures and spot wallets."""
        tran_id = self._move(account, not to_spot, account, to_spot, asset, amount)
        self._client_ids.setdefault(account.account_id, set()).add(client_id)
        return tran_id

    def to_account(self, account: Account, params: p.Params) -> Any:
        """A transfer from `account` to the account `toAccountId` (sub-accounts)."""
        destination = self.core.account(p.required(params, "toAccountId"))
        kind = p.required(params, "kindType")
        if kind not in SUB_KINDS:
            raise r.invalid_param("kindType")
        amount = p.required_decimal(params, "amount")
        if amount <= 0:
            raise ApiError(*r.AMOUNT_NOT_POSITIVE)
        asset = p.required(params, "asset")
        if asset not in account.balances and asset not in account.spot_balances:
            raise ApiError(*BAD_ASSET)
        from_spot, to_spot = SUB_KINDS[kind]
        return {"tranId": self._move(account, from_spot, destination, to_spot, asset, amount)}

    def migrate(self, account: Account, params: p.Params) -> Any:
        """Every positive futures balance of `account` to `toAccountId` (at most 300)."""
        destination = self.core.account(p.required(params, "toAccountId"))
        if any(account.open_orders.values()) or account.open_positions():
            raise ApiError(-1130, NOT_EMPTY)
        moved = []
        for asset, amount in sorted(account.balances.items())[:MAX_MIGRATED_ASSETS]:
            if amount > 0:
                tran_id = self._move(account, False, destination, False, asset, amount)
                moved.append({"asset": asset, "amount": amount, "tranId": tran_id})
        return moved

    def _move(
        self, source: Account, from_spot: bool, destination: Account, to_spot: bool,
        asset: str, amount: Decimal,
    ) -> int:
        """Take `amount` from one wallet and add it to another (futures wallets book
        TRANSFER income and report an ACCOUNT_UPDATE); the tranId."""
        if from_spot:
            held = source.spot_balances.get(asset, ZERO)
        elif asset == MARGIN_ASSET:
            held = source.available_balance(self.core.marks)
        else:
            held = source.balances.get(asset, ZERO)
        if amount > held:
            raise ApiError(*BALANCE_INSUFFICIENT)
        now = self.core.now()
        tran_id = 0
        for account, spot, signed in ((source, from_spot, -amount),
                                      (destination, to_spot, amount)):
            wallet = account.spot_balances if spot else account.balances
            wallet[asset] = wallet.get(asset, ZERO) + signed
            account.update_time = now
            if not spot:
                tran_id = self.core.book_income(account, asset, "TRANSFER", signed, now)
                self.core.emit_account_update(
                    account, "WITHDRAW" if signed < 0 else "DEPOSIT", [])
        return tran_id or self.core.book_tran_id()
