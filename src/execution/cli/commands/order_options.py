"""The options and arguments of the order commands (`buy`, `sell`, `orders`, `cancel`,
`close`, `panic`, `batch`): one definition each, shared by the commands."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from execution.errors import ValidationError
from execution.models import OrderType, PegPriceType, PositionSide, StpMode
from execution.money import positive, to_decimal

__all__ = [
    "ActivationOpt",
    "CallbackRateOpt",
    "ClientIdOpt",
    "ClosePositionOpt",
    "HiddenOpt",
    "KindOpt",
    "LegOpt",
    "OrderFlags",
    "OrderKind",
    "PegChoice",
    "PegOffsetOpt",
    "PegOpt",
    "PostOnlyOpt",
    "PriceOpt",
    "PriceProtectOpt",
    "QuantityArg",
    "ReduceOpt",
    "RepriceOpt",
    "RiskOpt",
    "StopLimitOpt",
    "StopOpt",
    "StoreOpt",
    "StpOpt",
    "StrategyOpt",
    "SymbolArg",
    "TifChoice",
    "TifOpt",
    "TrailingOpt",
    "WorkingChoice",
    "WorkingOpt",
    "order_type_of",
]


class OrderKind(enum.StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    TAKE_PROFIT = "take-profit"


class TifChoice(enum.StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTX = "GTX"
    HIDDEN = "HIDDEN"


class PegChoice(enum.StrEnum):
    COUNTERPARTY = "counterparty"  # COUNTERPARTY_1: the other side's best price
    QUEUE = "queue"  # QUEUE_1: the own side's best price


class WorkingChoice(enum.StrEnum):
    MARK = "mark"
    CONTRACT = "contract"


SymbolArg = Annotated[str, typer.Argument(help="Symbol, e.g. BTCUSDT.")]
QuantityArg = Annotated[str, typer.Argument(help="Quantity in the base asset, e.g. 0.01.")]
KindOpt = Annotated[
    OrderKind | None,
    typer.Option("--type", "-t", help="Order type (default: limit with --price, else market).",
                 case_sensitive=False, show_default=False),
]
PriceOpt = Annotated[
    str | None, typer.Option("--price", "-p", help="Limit price.", show_default=False)
]
StopOpt = Annotated[
    str | None,
    typer.Option("--stop-price", help="Trigger price of a stop or take-profit order.",
                 show_default=False),
]
TifOpt = Annotated[
    TifChoice | None,
    typer.Option("--tif", help="Time in force of a priced order (default GTC; GTX is "
                 "post-only).", case_sensitive=False, show_default=False),
]
ReduceOpt = Annotated[
    bool, typer.Option("--reduce-only", help="Only reduce an existing position.")
]
ClientIdOpt = Annotated[
    str | None,
    typer.Option("--client-id", help="Client order id (generated when not given).",
                 show_default=False),
]
StoreOpt = Annotated[
    str | None,
    typer.Option("--store", envvar="ASTER_STORE", show_default=False,
                 help="Record the order and its events in this order store (a SQLite file, "
                 "or a postgresql://USER@HOST/DB?prefix=NAME URL), for 'aster-exec history'; "
                 "the order manager then places it."),
]
StrategyOpt = Annotated[
    str | None,
    typer.Option("--strategy", help="Strategy name recorded with the order (with --store).",
                 show_default=False),
]
LegOpt = Annotated[
    PositionSide | None,
    typer.Option("--position-side", case_sensitive=False, show_default=False,
                 help="Hedge mode: the leg (LONG or SHORT); with --reduce-only, the order "
                 "closes that leg."),
]
RiskOpt = Annotated[
    Path | None,
    typer.Option("--risk", envvar="ASTER_RISK", show_default=False,
                 help="Risk limits (TOML or JSON: execution.risk.RiskLimits) the order must "
                 "pass; with --store, today's fills count toward the loss limits."),
]
WorkingOpt = Annotated[
    WorkingChoice | None,
    typer.Option("--working-type", help="Trigger on the mark or the contract price.",
                 case_sensitive=False, show_default=False),
]
TrailingOpt = Annotated[
    bool, typer.Option("--trailing", help="A trailing stop (TRAILING_STOP_MARKET): give "
                       "--callback-rate, optionally --activation-price.")
]
CallbackRateOpt = Annotated[
    str | None, typer.Option("--callback-rate", show_default=False,
                             help="Trailing stop: the pull-back in percent, 0.1 to 5.")
]
ActivationOpt = Annotated[
    str | None, typer.Option("--activation-price", show_default=False,
                             help="Trailing stop: the price at which trailing starts.")
]
PriceProtectOpt = Annotated[
    bool, typer.Option("--price-protect", help="Stop or take-profit: not triggered while "
                       "the mark and the last price disagree too much (priceProtect).")
]
ClosePositionOpt = Annotated[
    bool, typer.Option("--close-position", help="Stop or take-profit market that closes "
                       "the whole position (closePosition); give the quantity as 0 or all.")
]
StopLimitOpt = Annotated[
    bool, typer.Option("--stop-limit", help="A stop-limit order (STOP): --stop-price "
                       "triggers a limit order at --price.")
]
PostOnlyOpt = Annotated[
    bool, typer.Option("--post-only", help="Post-only limit order (timeInForce GTX).")
]
RepriceOpt = Annotated[
    int, typer.Option("--reprice", min=0, max=10, help="With --post-only: when refused as "
                      "a taker, re-place at the best passive price up to N times.")
]
HiddenOpt = Annotated[
    bool, typer.Option("--hidden", help="Limit order not shown in the book (timeInForce "
                       "HIDDEN; v3 credentials).")
]
StpOpt = Annotated[
    StpMode | None, typer.Option("--stp-mode", case_sensitive=False, show_default=False,
                                 help="Self-trade prevention of this order (v3).")
]
PegOpt = Annotated[
    PegChoice | None, typer.Option("--peg", case_sensitive=False, show_default=False,
                                   help="BBO peg of a limit order, priced by the venue from "
                                   "the book (pegPriceType; no --price; v3).")
]
PegOffsetOpt = Annotated[
    str | None, typer.Option("--peg-offset", show_default=False,
                             help="With --peg: signed offset from the peg (a BUY <= 0).")
]


@dataclass(frozen=True, slots=True)
class OrderFlags:
    """The order parameters beyond type, price and time in force, as the CLI took them."""

    trailing: bool = False
    callback_rate: str | None = None
    activation_price: str | None = None
    price_protect: bool = False
    close_position: bool = False
    stop_limit: bool = False
    post_only: bool = False
    reprice: int = 0
    hidden: bool = False
    stp_mode: StpMode | None = None
    peg: PegChoice | None = None
    peg_offset: str | None = None

    def time_in_force(self, given: TifChoice | None) -> TifChoice | None:
        """--post-only (GTX) or --hidden (HIDDEN), never with another --tif."""
        wanted = [tif for flag, tif in ((self.post_only, TifChoice.GTX),
                                        (self.hidden, TifChoice.HIDDEN)) if flag]
        if len(wanted) > 1:
            raise ValidationError("post_only", True, "--post-only and --hidden exclude "
                                  "each other")
        if wanted and given is not None and given is not wanted[0]:
            raise ValidationError("time_in_force", given.value,
                                  f"--tif {given.value} contradicts {wanted[0].value}")
        if self.reprice and not self.post_only:
            raise ValidationError("reprice", self.reprice, "only with --post-only")
        return wanted[0] if wanted else given

    def intent_fields(self) -> dict[str, object]:
        """The `OrderIntent` keyword arguments of these flags (checked there and by the
        manager before anything is sent)."""
        if (self.callback_rate or self.activation_price) and not self.trailing:
            raise ValidationError("callback_rate", self.callback_rate,
                                  "--callback-rate and --activation-price need --trailing")
        if self.peg_offset is not None and self.peg is None:
            raise ValidationError("peg_offset", self.peg_offset, "--peg-offset needs --peg")
        fields: dict[str, object] = {
            "close_position": self.close_position, "price_protect": self.price_protect,
            "stp_mode": self.stp_mode,
            "callback_rate": None if self.callback_rate is None
            else to_decimal(self.callback_rate, "callback_rate"),
            "activation_price": None if self.activation_price is None
            else positive(self.activation_price, "activation_price"),
            "peg_price_type": None if self.peg is None else (
                PegPriceType.COUNTERPARTY_1 if self.peg is PegChoice.COUNTERPARTY
                else PegPriceType.QUEUE_1),
            "peg_offset": None if self.peg_offset is None
            else to_decimal(self.peg_offset, "peg_offset"),
        }
        return fields


def order_type_of(
    kind: OrderKind | None, limit_price: Decimal | None, trigger: Decimal | None,
    flags: OrderFlags,
) -> OrderType:
    """The order type the options name (`buy`/`sell`, `batch` rows)."""
    if flags.trailing or flags.peg is not None:
        what = "--trailing" if flags.trailing else "--peg"
        wanted = None if flags.trailing else OrderKind.LIMIT
        if (kind not in (None, wanted) or trigger is not None
                or (limit_price is not None and flags.trailing)):
            raise ValidationError("type", kind and kind.value,
                                  f"{what} takes no other --type or --stop-price")
        return OrderType.TRAILING_STOP_MARKET if flags.trailing else OrderType.LIMIT
    if flags.stop_limit:
        if kind not in (None, OrderKind.STOP) or limit_price is None or trigger is None:
            raise ValidationError("stop_limit", True, "needs --stop-price and --price")
        return OrderType.STOP_LOSS_LIMIT
    if kind is None:
        if trigger is not None:
            raise ValidationError(
                "type", None, "--stop-price needs --type stop or --type take-profit"
            )
        kind = OrderKind.LIMIT if limit_price is not None else OrderKind.MARKET
    if kind is OrderKind.MARKET:
        if limit_price is not None or trigger is not None:
            raise ValidationError("price", limit_price or trigger,
                                  "a market order takes no price")
        return OrderType.MARKET
    if kind is OrderKind.LIMIT:
        if limit_price is None:
            raise ValidationError("price", None, "a limit order needs --price")
        if trigger is not None:
            raise ValidationError("stop_price", trigger, "a limit order takes no stop price")
        return OrderType.LIMIT
    if trigger is None:
        raise ValidationError("stop_price", None, f"a {kind.value} order needs --stop-price")
    if kind is OrderKind.STOP:
        return OrderType.STOP_LOSS_LIMIT if limit_price else OrderType.STOP_LOSS
    return OrderType.TAKE_PROFIT_LIMIT if limit_price else OrderType.TAKE_PROFIT
