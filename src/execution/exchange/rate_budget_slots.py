"""Nonce slots leased through Redis: two processes signing for one v3 user never share one.

A slot (`ServerClock.nonce_slot`, 0-99) makes every nonce of a process end in it, so two
processes on different slots can never issue the same nonce. Given by hand, two processes
can still be given the same one: their nonces then collide whenever both sign within the
same 100 µs, and the venue refuses the second as a duplicate (-4225; the v3 doc's "V3 Nonce
Mechanism": a nonce already used is rejected). A lease makes that impossible: the slot's key
(`aster-exec:nonce-slot:{user}:NN`) holds the process's token with an expiry, renewed while
it runs; another process asking for a held slot is refused (a given slot) or takes the next
free one (`"auto"`). A lease found taken over (after a Redis restart, say) moves an `"auto"`
process to a free slot at once; a given slot is reported and kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from execution.errors import ConfigurationError
from execution.exchange.clock import NONCE_SLOTS, ServerClock
from execution.exchange.rate_budget_lua import LEASE, RELEASE

logger = logging.getLogger(__name__)

LEASE_SECONDS = 30.0
Sleep = Callable[[float], Awaitable[None]]


class NonceSlotLease:
    """Holds one nonce slot of `user` for a process; sets `clock.nonce_slot`."""

    def __init__(
        self,
        redis: Any,
        clock: ServerClock,
        user: str,
        wanted: int | None,
        *,
        sleep: Sleep,
        ttl: float = LEASE_SECONDS,
    ) -> None:
        self.clock = clock
        self.user = user.lower()
        self.wanted = wanted
        self.ttl = ttl
        self.token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.slot: int | None = None
        self._sleep = sleep
        self._lease = redis.register_script(LEASE)
        self._release = redis.register_script(RELEASE)
        self._task: asyncio.Task[None] | None = None

    def key(self, slot: int) -> str:
        return f"aster-exec:nonce-slot:{{{self.user}}}:{slot:02d}"

    async def _take(self, slot: int) -> str:
        result = await self._lease(keys=[self.key(slot)],
                                   args=[self.token, int(self.ttl * 1000)])
        return result.decode() if isinstance(result, bytes) else str(result)

    async def start(self) -> int:
        """Take the slot (the wanted one, or the first free one); start renewing it."""
        slot = await self._claim()
        self._use(slot)
        if self._task is None:
            self._task = asyncio.create_task(self._renew(), name="nonce-slot-lease")
        return slot

    async def _claim(self) -> int:
        if self.wanted is not None:
            holder = await self._take(self.wanted)
            if holder != "ok":
                raise ConfigurationError(
                    f"nonce slot {self.wanted} of user {self.user} is held by another "
                    f"process ({holder}): give each process its own slot, or nonce_slot='auto'"
                )
            return self.wanted
        for slot in range(NONCE_SLOTS):
            if await self._take(slot) == "ok":
                return slot
        raise ConfigurationError(
            f"all {NONCE_SLOTS} nonce slots of user {self.user} are leased by live processes"
        )

    def _use(self, slot: int) -> None:
        if slot != self.clock.nonce_slot:
            self.clock.nonce_slot = slot
            self.clock.rebase()  # the floor was in the old slot; recent nonces stay excluded
        self.slot = slot
        logger.info("nonce slot %d of user %s leased (%s)", slot, self.user, self.token)

    async def _renew(self) -> None:
        while True:
            await self._sleep(self.ttl / 3)
            slot = self.slot
            if slot is None:
                continue
            try:
                holder = await self._take(slot)
                if holder != "ok":
                    logger.error("nonce slot %d of user %s was taken over by %s", slot,
                                 self.user, holder)
                    if self.wanted is None:
                        self._use(await self._claim())
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis away: nobody can take the slot meanwhile
                logger.warning("nonce slot lease renewal failed: %s", type(exc).__name__)

    async def stop(self) -> None:
        """Stop renewing and give the slot back (best effort: it expires anyway)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.slot is not None:
            with contextlib.suppress(Exception):
                await self._release(keys=[self.key(self.slot)], args=[self.token])
