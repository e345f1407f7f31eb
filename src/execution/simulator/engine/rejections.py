"""The exchange's error codes and messages, as raised by the engine.

Codes and texts follow the venue's documented error list (`execution.venue_api`); the
conformance test checks every code raised here is documented.
"""

from __future__ import annotations

from decimal import Decimal

from execution.simulator.api import ApiError


def mandatory(name: str) -> ApiError:
    return ApiError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def not_required(name: str) -> ApiError:
    return ApiError(-1106, f"Parameter '{name}' sent when not required.")


def invalid_param(name: str) -> ApiError:
    return ApiError(-1130, f"Data sent for parameter '{name}' is not valid.")


def invalid_symbol() -> ApiError:
    return ApiError(-1121, "Invalid symbol.")


def bad_precision() -> ApiError:
    return ApiError(-1111, "Precision is over the maximum defined for this asset.")


def min_notional(value: Decimal) -> ApiError:
    shown = f"{value:.1f}" if value == value.to_integral_value() else str(value)
    return ApiError(
        -4164, f"Order's notional must be no smaller than {shown} (unless you choose reduce only)"
    )


INVALID_TIF = (-1115, "Invalid timeInForce.")
INVALID_TYPE = (-1116, "Invalid orderType.")
INVALID_SIDE = (-1117, "Invalid side.")
INVALID_INTERVAL = (-1120, "Invalid interval.")
INVALID_RESP_TYPE = (-1136, "Invalid newOrderRespType.")
START_AFTER_END = (-1023, "Start time is greater than end time.")
UNKNOWN_ORDER_CANCEL = (-2011, "Unknown order sent.")
NO_SUCH_ORDER = (-2013, "Order does not exist.")
MARGIN_INSUFFICIENT = (-2019, "Margin is insufficient.")
WOULD_TRIGGER = (-2021, "Order would immediately trigger.")
REDUCE_ONLY_REJECTED = (-2022, "ReduceOnly Order is rejected.")
MAX_OPEN_ORDERS = (-2025, "Reach max open order limit.")
PRICE_TOO_HIGH = (-4002, "Price greater than max price.")
QTY_NOT_POSITIVE = (-4003, "Quantity less than or equal to zero.")
QTY_BELOW_MIN = (-4004, "Quantity less than min quantity.")
QTY_ABOVE_MAX = (-4005, "Quantity greater than max quantity.")
STOP_PRICE_NOT_POSITIVE = (-4006, "Stop price less than zero.")
QTY_NOT_STEP = (-4023, "Qty not increased by step size.")
PRICE_BELOW_MIN = (-4013, "Price less than min price.")
PRICE_NOT_TICK = (-4014, "Price not increased by tick size.")
CLIENT_ID_INVALID = (-4015, "Client order id is not valid.")
PRICE_ABOVE_MULTIPLIER = (-4016, "Price is higher than mark price multiplier cap.")
PRICE_BELOW_MULTIPLIER = (-4024, "Price is lower than mark price multiplier floor.")
INVALID_LEVERAGE = (-4028, "Leverage is not valid.")
INVALID_WORKING_TYPE = (-4031, "Invalid parameter working type")
MAX_STOP_ORDERS = (-4045, "Reach max stop order limit.")
NO_NEED_MARGIN_TYPE = (-4046, "No need to change margin type.")
MARGIN_TYPE_OPEN_ORDERS = (-4047, "Margin type cannot be changed if there exists open orders.")
MARGIN_TYPE_POSITION = (-4048, "Margin type cannot be changed if there exists position.")
ADD_MARGIN_NOT_ISOLATED = (-4049, "Add margin only support for isolated position.")
CROSS_BALANCE_INSUFFICIENT = (-4050, "Cross balance insufficient.")
ISOLATED_BALANCE_INSUFFICIENT = (-4051, "Isolated balance insufficient.")
ADD_MARGIN_NO_POSITION = (-4054, "Cannot add position margin: position is 0.")
AMOUNT_NOT_POSITIVE = (-4055, "Amount must be positive.")
NO_NEED_POSITION_SIDE = (-4059, "No need to change position side.")
INVALID_POSITION_SIDE = (-4060, "Invalid position side.")
POSITION_SIDE_MISMATCH = (-4061, "Order's position side does not match user's setting.")
POSITION_SIDE_OPEN_ORDERS = (-4067, "Position side cannot be changed if there exists open orders.")
POSITION_SIDE_POSITION = (-4068, "Position side cannot be changed if there exists position.")
BATCH_SIZE = (-4082, "Invalid number of batch place orders.")
DUPLICATE_CLIENT_ID = (-4116, "ClientOrderId is duplicated.")
QTY_WITH_CLOSE_POSITION = (-4137, "Quantity must be zero with closePosition equals true")
INVALID_ACTIVATION_PRICE = (-4135, "Invalid activation price")
ISOLATED_LEVERAGE_REDUCTION = (
    -4161,
    "Leverage reduction is not supported in Isolated Margin Mode with open positions",
)
POST_ONLY_WOULD_TAKE = (
    -5022,
    "Due to the order could not be executed as maker, the Post Only order will be rejected.",
)
NO_NEED_TO_MODIFY = (-5027, "No need to modify the order.")
ONLY_LIMIT_MODIFY = (-5025, "Only limit order is supported.")


def error(pair: tuple[int, str]) -> ApiError:
    """An `ApiError` from one of the (code, message) pairs above."""
    return ApiError(pair[0], pair[1])
