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
        self.handlers = {("POST", "asset/wallet/transfer"): self.transfer}

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
        if to_spot:
            held = (account.available_balance(self.core.marks) if asset == MARGIN_ASSET
                    else account.balances.get(asset, ZERO))
        else:
            held = account.spot_balances.get(asset, ZERO)
        if amount > held:
            raise ApiError(*BALANCE_INSUFFICIENT)
        self._client_ids.setdefault(account.account_id, set()).add(client_id)
        signed = -amount if to_spot else amount
        account.balances[asset] = account.balances.get(asset, ZERO) + signed
        account.spot_balances[asset] = account.spot_balances.get(asset, ZERO) - signed
        now = self.core.now()
        account.update_time = now
        tran_id = self.core.book_income(account, asset, "TRANSFER", signed, now)
        self.core.emit_account_update(account, "WITHDRAW" if to_spot else "DEPOSIT", [])
        return tran_id
