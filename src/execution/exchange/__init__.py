"""Exchange clients."""

from execution.exchange.base import BaseExchange, UserEventHandler

__all__ = ["BaseExchange", "UserEventHandler"]
