"""`AccountDesk`: balances, positions and leverage over one `RestClient` (margin type and
the account's modes: `margin_desk`)."""

from __future__ import annotations

from execution.errors import ValidationError
from execution.exchange import endpoints as ep
from execution.exchange.parsing import MalformedResponseError, parse_balances, parse_positions
from execution.exchange.rest import RestClient
from execution.models import Balance, Position


class AccountDesk:
    """The account requests; symbols arrive checked (`Markets.check_symbol`)."""

    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    async def balances(self) -> dict[str, Balance]:
        return parse_balances(await self.rest.request(ep.BALANCE))

    async def positions(self, symbol: str | None) -> list[Position]:
        """Non-flat positions, of `symbol` or all."""
        params = [("symbol", symbol)] if symbol else None
        positions = parse_positions(await self.rest.request(ep.POSITION_RISK, params))
        return [p for p in positions if p.quantity != 0 and (not symbol or p.symbol == symbol)]

    async def set_leverage(self, symbol: str, leverage: int) -> int:
        if isinstance(leverage, bool) or not isinstance(leverage, int) or not 1 <= leverage <= 125:
            raise ValidationError("leverage", leverage, "must be an integer in 1..125")
        data = await self.rest.request(
            ep.LEVERAGE, [("symbol", symbol), ("leverage", str(leverage))]
        )
        try:
            return int(data.get("leverage", leverage))
        except (AttributeError, TypeError, ValueError):
            raise MalformedResponseError("leverage: unreadable response") from None

    async def server_time(self) -> int:
        """The exchange's time in ms (`GET time`)."""
        data = await self.rest.request(ep.TIME)
        try:
            return int(data["serverTime"])
        except (KeyError, TypeError, ValueError):
            raise MalformedResponseError("time: serverTime missing") from None
