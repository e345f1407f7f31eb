"""A local AsterDEX-compatible exchange: REST, WebSocket, matching engine, faults."""

from execution.simulator.accounts import SimAccount
from execution.simulator.exchange import SimulatedExchange
from execution.simulator.faults import FaultController
from execution.simulator.ratelimit import RateLimitConfig
from execution.simulator.server import RequestRecord

__all__ = [
    "FaultController",
    "RateLimitConfig",
    "RequestRecord",
    "SimAccount",
    "SimulatedExchange",
]
