"""ACCOUNT_UPDATE carries the wallet and cross-wallet balances only: a stream balance's
available balance is unknown (None), never the cross-wallet balance; REST keeps it."""

from __future__ import annotations

from decimal import Decimal

from execution.exchange.parsing import parse_account_update, parse_balances

D = Decimal


def test_a_stream_balance_has_no_available_balance() -> None:
    update = parse_account_update({
        "e": "ACCOUNT_UPDATE", "E": 1, "T": 1,
        "a": {"m": "ORDER", "B": [{"a": "USDT", "wb": "120", "cw": "100", "bc": "0"}], "P": []},
    })
    balance = update.balances[0]
    assert balance.wallet_balance == D("120") and balance.cross_wallet_balance == D("100")
    assert balance.available_balance is None and balance.locked is None


def test_a_rest_balance_keeps_available_balance_and_unknown_stays_unknown() -> None:
    balances = parse_balances([
        {"asset": "USDT", "balance": "120", "availableBalance": "80", "crossUnPnl": "1"},
        {"asset": "BNB", "balance": "2"},
    ])
    assert balances["USDT"].available_balance == D("80") and balances["USDT"].locked == D("40")
    assert balances["BNB"].available_balance is None  # not the wallet balance
