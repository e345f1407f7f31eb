"""`AccountDesk`: balances, positions, leverage and margin type over one `RestClient`."""

from __future__ import annotations

from execution.coercion import to_enum
from execution.errors import ExchangeError, ValidationError
from execution.exchange import endpoints as ep
from execution.exchange.parsing import MalformedResponseError, parse_balances, parse_positions
from execution.exchange.rest import RestClient
from execution.models import Balance, MarginType, Position

NO_CHANGE_NEEDED = -4046  # "No need to change margin type": already so


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

    async def set_margin_type(self, symbol: str, margin_type: MarginType) -> None:
        margin_type = to_enum(MarginType, margin_type, "margin_type")
        try:
            await self.rest.request(
                ep.MARGIN_TYPE, [("symbol", symbol), ("marginType", margin_type.value)]
            )
        except ExchangeError as exc:
            if exc.code != NO_CHANGE_NEEDED:
                raise

    async def server_time(self) -> int:
        """The exchange's time in ms (`GET time`)."""
        data = await self.rest.request(ep.TIME)
        try:
            return int(data["serverTime"])
        except (KeyError, TypeError, ValueError):
            raise MalformedResponseError("time: serverTime missing") from None
