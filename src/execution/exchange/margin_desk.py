"""`MarginDesk`: the account's modes and a position's margin, as typed results.

Position mode (one-way or hedge, every symbol), multi-assets mode, margin type per symbol
and the margin of an isolated position (add, reduce, its history), per the venue's v1/v3
docs. Setting a mode or type it already has is a no-op, not a failure: the exchange's
"no need to change" answers (-4059 position side, -4046 margin type) come back as
`SettingChange(changed=False)`. Amounts are Decimals. Adding or reducing margin is not
repeated after a lost answer (it would move the margin twice): the history is read for it,
and without it the outcome is reported unknown.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from execution.coercion import to_enum
from execution.errors import (
    ExchangeError,
    NetworkError,
    OrderStatusUnknownError,
    ValidationError,
)
from execution.exchange import endpoints as ep
from execution.exchange.outcome import OUTCOME_UNKNOWN
from execution.exchange.parsing import MalformedResponseError, parse_positions
from execution.exchange.rest import Params, RestClient
from execution.models import MarginType, PositionSide
from execution.money import format_decimal, positive

NO_NEED_TO_CHANGE_MARGIN_TYPE = -4046
NO_NEED_TO_CHANGE_POSITION_SIDE = -4059
HISTORY_LIMIT_MAX = 500  # the docs' default; no maximum is documented


class PositionMode(enum.Enum):
    """One position per symbol (BOTH) or a long and a short one (hedge)."""

    ONE_WAY = "one-way"
    HEDGE = "hedge"


class MarginChangeKind(enum.Enum):
    """`type` of `positionMargin`: 1 adds margin to the position, 2 takes it out."""

    ADD = 1
    REDUCE = 2


@dataclass(frozen=True, slots=True)
class SettingChange:
    """What a setting request did: `changed` is False when it was so already."""

    setting: str  # "position mode", "multi-assets mode", "margin type"
    value: str
    changed: bool
    symbol: str | None = None


@dataclass(frozen=True, slots=True)
class MarginChange:
    """Margin moved into (ADD) or out of (REDUCE) an isolated position."""

    symbol: str
    kind: MarginChangeKind
    amount: Decimal
    position_side: PositionSide = PositionSide.BOTH
    asset: str = ""
    time: int = 0  # ms; 0 when the answer gave none


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise MalformedResponseError(f"{what}: not a number: {value!r:.40}")
    try:
        result = Decimal(str(value))  # a JSON number via its text, never Decimal(float)
    except ArithmeticError:
        raise MalformedResponseError(f"{what}: not a number: {value!r:.40}") from None
    if not result.is_finite():
        raise MalformedResponseError(f"{what}: not finite: {value!r:.40}")
    return result


def _flag(data: Any, key: str) -> bool:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise MalformedResponseError(f"{key}: expected true or false, got {value!r:.40}")
    return value


def parse_margin_change(data: Any) -> MarginChange:
    """One row of `positionMargin/history`."""
    if not isinstance(data, dict):
        raise MalformedResponseError(f"margin history: not an object: {data!r:.40}")
    try:
        kind = MarginChangeKind(int(data["type"]))
        side = PositionSide(str(data.get("positionSide") or "BOTH"))
        return MarginChange(
            symbol=str(data["symbol"]), kind=kind, amount=_decimal(data["amount"], "amount"),
            position_side=side, asset=str(data.get("asset", "")), time=int(data.get("time", 0)),
        )
    except (KeyError, TypeError, ValueError):
        raise MalformedResponseError(f"margin history: unreadable row {data!r:.80}") from None


class MarginDesk:
    """The requests; `check_symbol` spells and checks a symbol (`Markets.check_symbol`),
    `guard()` refuses a change when trading is not allowed (mainnet without leave)."""

    def __init__(
        self,
        rest: RestClient,
        *,
        check_symbol: Callable[[str], str],
        guard: Callable[[], None],
        now_ms: Callable[[], int],
    ) -> None:
        self.rest = rest
        self._check_symbol = check_symbol
        self._guard = guard
        self._now_ms = now_ms

    async def _change(
        self, endpoint: ep.Endpoint, params: Params, no_change_code: int | None
    ) -> bool:
        """Send a setting; False when the exchange says it is so already."""
        self._guard()
        try:
            await self.rest.request(endpoint, params)
        except ExchangeError as exc:
            if no_change_code is None or exc.code != no_change_code:
                raise
            return False
        return True

    # -- position mode ---------------------------------------------------------------------

    async def position_mode(self) -> PositionMode:
        dual = _flag(await self.rest.request(ep.POSITION_MODE), "dualSidePosition")
        return PositionMode.HEDGE if dual else PositionMode.ONE_WAY

    async def set_position_mode(self, mode: PositionMode | str) -> SettingChange:
        """One-way or hedge on every symbol (refused with open orders or positions)."""
        mode = to_enum(PositionMode, mode, "position_mode")
        flag = "true" if mode is PositionMode.HEDGE else "false"
        changed = await self._change(ep.SET_POSITION_MODE, [("dualSidePosition", flag)],
                                     NO_NEED_TO_CHANGE_POSITION_SIDE)
        return SettingChange("position mode", mode.value, changed)

    # -- multi-assets mode -----------------------------------------------------------------

    async def multi_assets(self) -> bool:
        return _flag(await self.rest.request(ep.MULTI_ASSETS), "multiAssetsMargin")

    async def set_multi_assets(self, enabled: bool) -> SettingChange:
        """Multi-assets (True) or single-asset margin. The docs give no "no need to
        change" code for it, so the mode is read first and not sent when it is so."""
        if not isinstance(enabled, bool):
            raise ValidationError("multi_assets", enabled, "must be True or False")
        value = "multi-assets" if enabled else "single-asset"
        self._guard()
        if await self.multi_assets() == enabled:
            return SettingChange("multi-assets mode", value, False)
        flag = "true" if enabled else "false"
        await self._change(ep.SET_MULTI_ASSETS, [("multiAssetsMargin", flag)], None)
        return SettingChange("multi-assets mode", value, True)

    # -- margin type -----------------------------------------------------------------------

    async def margin_type(self, symbol: str) -> MarginType:
        """The symbol's margin type, as `positionRisk` reports it."""
        symbol = self._check_symbol(symbol)
        rows = parse_positions(await self.rest.request(ep.POSITION_RISK, [("symbol", symbol)]))
        for row in rows:
            if row.symbol == symbol:
                return row.margin_type
        raise MalformedResponseError(f"positionRisk: no entry for {symbol}")

    async def set_margin_type(self, symbol: str, margin_type: MarginType | str) -> SettingChange:
        """Isolated or crossed for `symbol` (refused with open orders or a position)."""
        symbol = self._check_symbol(symbol)
        margin_type = to_enum(MarginType, margin_type, "margin_type")
        changed = await self._change(
            ep.MARGIN_TYPE, [("symbol", symbol), ("marginType", margin_type.value)],
            NO_NEED_TO_CHANGE_MARGIN_TYPE,
        )
        return SettingChange("margin type", margin_type.value, changed, symbol)

    # -- isolated position margin ----------------------------------------------------------

    async def adjust(
        self,
        symbol: str,
        kind: MarginChangeKind | str,
        amount: Decimal | str,
        *,
        position_side: PositionSide | str = PositionSide.BOTH,
    ) -> MarginChange:
        """Add margin to, or reduce it from, an isolated position. Sent once: a lost
        answer is looked for in the history; not found, `OrderStatusUnknownError`."""
        symbol = self._check_symbol(symbol)
        kind = to_enum(MarginChangeKind, kind, "kind")
        amount = positive(amount, "amount")
        side = to_enum(PositionSide, position_side, "position_side")
        params = [("symbol", symbol)]
        if side is not PositionSide.BOTH:
            params.append(("positionSide", side.value))
        params += [("amount", format_decimal(amount)), ("type", str(kind.value))]
        self._guard()
        asked = MarginChange(symbol, kind, amount, side)
        sent_ms = self._now_ms()
        try:
            data = await self.rest.request(ep.POSITION_MARGIN, params)
        except (*OUTCOME_UNKNOWN, NetworkError) as exc:
            return await self._find_lost(asked, sent_ms, exc)
        if not isinstance(data, dict):
            raise MalformedResponseError(f"positionMargin: unexpected answer {data!r:.80}")
        moved = _decimal(data.get("amount", format_decimal(amount)), "amount")
        return MarginChange(symbol, kind, moved, side, time=sent_ms)

    async def _find_lost(
        self, asked: MarginChange, sent_ms: int, cause: Exception
    ) -> MarginChange:
        slack_ms = 60_000  # the server's clock may differ from ours by this much at most
        try:
            rows = await self.history(asked.symbol, kind=asked.kind,
                                      start_time=max(0, sent_ms - slack_ms))
        except (ExchangeError, NetworkError):
            rows = []
        for row in rows:
            if (row.amount, row.position_side) == (asked.amount, asked.position_side):
                return row
        raise OrderStatusUnknownError(
            f"position margin {asked.kind.name.lower()} {format_decimal(asked.amount)} "
            f"{asked.symbol}: outcome unknown ({type(cause).__name__}) and not sent again; "
            "not yet in the margin history: check it before asking again",
            code=getattr(cause, "code", None), http_status=getattr(cause, "http_status", None),
        )

    async def history(
        self,
        symbol: str,
        *,
        kind: MarginChangeKind | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int = HISTORY_LIMIT_MAX,
    ) -> list[MarginChange]:
        """The margin changes of `symbol`'s isolated position, oldest first."""
        symbol = self._check_symbol(symbol)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 500:
            raise ValidationError("limit", limit, "must be a whole number in 1..500")
        params: Params = [("symbol", symbol)]
        if kind is not None:
            kind = to_enum(MarginChangeKind, kind, "kind")
            params.append(("type", str(kind.value)))
        for name, value in (("startTime", start_time), ("endTime", end_time)):
            if value is not None:
                params.append((name, str(int(value))))
        params.append(("limit", str(limit)))
        data = await self.rest.request(ep.MARGIN_HISTORY, params)
        if not isinstance(data, list):
            raise MalformedResponseError(f"margin history: not a list: {data!r:.80}")
        return [parse_margin_change(row) for row in data]
