"""The manager's income records: when the user stream says funding was paid or received
(an ACCOUNT_UPDATE with reason FUNDING_FEE), the exchange's income history since the
ledger's last read is recorded (`ledger.sync.sync_income`), in the background. The stream
itself carries no transaction ids to record income by."""

from __future__ import annotations

import logging

from execution.errors import ExecutionError
from execution.ledger.sync import sync_income
from execution.models import AccountUpdate
from execution.orders.core import ManagerCore

logger = logging.getLogger(__name__)

FUNDING_REASON = "FUNDING_FEE"


def income_changed(core: ManagerCore, update: AccountUpdate) -> None:
    """Record the income an account update announces (funding), if the store keeps a
    ledger."""
    if update.reason == FUNDING_REASON and core.recorder.ledger is not None:
        core.in_background(_record(core))


async def _record(core: ManagerCore) -> None:
    ledger = core.recorder.ledger
    if ledger is None:
        return
    try:
        await sync_income(core.exchange, ledger)
    except ExecutionError as exc:
        logger.warning("funding income could not be read (%s): the next sync records it",
                       exc)
