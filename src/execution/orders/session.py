"""`ManagerSession`: starting and stopping an order manager.

A start loads the store (and holds its file), starts the user stream, rebuilds the brackets,
reconciles with the exchange, resumes the brackets and starts the polling fallback and the
periodic protection audit. A manager used before `start()` starts itself on first use; a
manager once started (and maybe stopped) is left as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from execution.errors import ExecutionError
from execution.models import StreamState, StreamStatus, UserEvent
from execution.orders.adoption import AdoptionLog
from execution.orders.brackets import BracketCoordinator
from execution.orders.core import ManagerCore
from execution.orders.deadman import DeadMansSwitch
from execution.orders.feed import EventFeed
from execution.orders.lifecycle import OrderLifecycle
from execution.orders.managed import ManagedOrder
from execution.orders.protection_audit import ProtectionAuditor
from execution.orders.reconcile import Reconciler, ReconciliationReport, baseline_of
from execution.store_interface import OrderStorage

logger = logging.getLogger(__name__)

STOP_SETTLE_SECONDS = 10.0  # how long a stop waits for the work running on its own
STATE_POLL_SECONDS = 1.0  # how often a running manager reads the recorded trading state


class ManagerSession:
    """The start and the stop of one manager; `owner` is what claims the store's file."""

    def __init__(
        self,
        core: ManagerCore,
        lifecycle: OrderLifecycle,
        brackets: BracketCoordinator,
        feed: EventFeed,
        auditor: ProtectionAuditor,
        reconciler: Reconciler,
        *,
        owner: object,
        owns_store: bool,
        deadman: DeadMansSwitch | None = None,
    ) -> None:
        self._core = core
        self._lifecycle = lifecycle
        self._brackets = brackets
        self._feed = feed
        self._auditor = auditor
        self._reconciler = reconciler
        self._owner = owner
        self._owns_store = owns_store
        self.deadman = deadman
        self.started = False
        self._ever_started = False
        self.start_settled = False  # a start has run to its end (or failed)
        self._lock = asyncio.Lock()
        self.last_reconciliation: ReconciliationReport | None = None
        self._finishing: asyncio.Future[None] | None = None  # `Reconciler.finish`, if due
        self._state_follower: asyncio.Future[None] | None = None

    @property
    def _store(self) -> OrderStorage | None:
        return self._core.recorder.store

    async def start(self) -> ReconciliationReport:
        """Start (see the module's docstring); returns the reconciliation report."""
        async with self._lock:
            try:
                report = await self._start()
            finally:
                self.start_settled = True
        await self._auditor.run_deferred()  # act on what the start-up audit found
        return report

    async def ensure_started(self) -> None:
        """Start on first use, so a manager used without `start()` still follows its
        orders; a manager once started (and maybe stopped) is left as it is."""
        if self.start_settled:
            return
        async with self._lock:
            if not self._ever_started:
                logger.info("order manager used before start(): starting it now")
                try:
                    await self._start()
                finally:
                    self.start_settled = True
                if self._auditor.deferred:
                    self._auditor.schedule()

    async def _start(self) -> ReconciliationReport:
        if self.started:
            raise ExecutionError("the order manager is already started")
        self.started = True
        self._ever_started = True
        loaded = await self._load()
        baseline = baseline_of(loaded)
        # Every untracked order met from here to the end of the reconciliation (the
        # stream's resync included) is in the report.
        lifecycle = self._lifecycle
        log = lifecycle.adoption_log = AdoptionLog()
        try:
            try:
                await self._core.exchange.start_user_stream(self.handle_stream_event)
            except ExecutionError as exc:
                logger.warning("user stream did not start (%s): polling instead", exc)
            self._brackets.rebuild(loaded)
            report = await self._reconciler.reconcile(baseline, log)
        finally:
            lifecycle.adoption_log = None
        self.last_reconciliation = report
        if report.unfinished:  # what the exchange would not tell now is asked again later
            self._finishing = asyncio.ensure_future(self._finish_reconciliation(report))
        self._brackets.resume()
        self._feed.start_polling()
        self._auditor.start_periodic()
        if self.deadman is not None:
            self.deadman.start()
        self._state_follower = asyncio.ensure_future(self._follow_trading_state())
        return report

    async def _follow_trading_state(self) -> None:
        """Every second, a stricter trading state another process recorded (the operator
        halting the store from the command line) is taken up by this running manager."""
        risk, clock = self._core.risk, self._core.clock
        while True:
            await clock.sleep(STATE_POLL_SECONDS)
            try:
                await risk.follow_record()
            except Exception as exc:  # a record unreadable for now: the next poll looks again
                logger.debug("trading state not read: %s", exc)

    async def _load(self) -> list[ManagedOrder]:
        store = self._store
        if store is None:
            return []
        try:
            await store.open()  # StoreLockedError: another manager holds the file
            store.claim(self._owner)
        except BaseException:
            self.started = False
            raise
        await self._core.risk.restore()  # a halt recorded before the restart holds
        loaded = await store.load_orders()
        for managed in loaded:
            self._core.registry.register(managed)
        self._core.risk.follow(loaded)  # today's fills count toward the loss limits
        return loaded

    def handle_stream_event(self, event: UserEvent) -> None:
        """The user-stream handler: order updates, account updates, stream up/down. After
        a resync (the stream back after a gap) the protection audit runs again."""
        self._feed.handle_event(event)
        if (
            isinstance(event, StreamStatus) and event.state is StreamState.RESYNCED
            and self.start_settled  # during the start, the reconciliation audits
        ):
            self._auditor.schedule()

    async def _finish_reconciliation(self, report: ReconciliationReport) -> None:
        try:
            await self._reconciler.finish(report.unfinished)
        except Exception:  # logged: the manager goes on without it
            logger.exception("finishing the reconciliation failed")

    async def _settle_background(self, limit: float = STOP_SETTLE_SECONDS) -> None:
        """Let the work still running on its own (the catch-up pass after the stream came
        back, a deferred cancel, an audit a resync asked for, a bracket's sync) finish
        before the store closes: what it applied afterwards would change the orders in
        memory and never reach the store. At most `limit` s; what is left then is
        cancelled (the next start reconciles it) and named in the log."""
        core, loop = self._core, asyncio.get_running_loop()
        deadline = loop.time() + limit
        while True:
            await self._auditor.stop()
            await self._brackets.drain(max(0.0, deadline - loop.time()))
            pending = [task for task in core.background if not task.done()]
            if not pending and not self._brackets.busy:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                logger.warning("stopping with %d background task(s) and bracket syncs "
                               "(%s) unfinished after %.0f s: cancelled", len(pending),
                               self._brackets.busy, limit)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                return
            if pending:
                await asyncio.wait(pending, timeout=remaining)

    async def stop(self) -> None:
        """Stop polling and the stream, let pending work finish, and close the store."""
        if not self.started:
            return
        self.started = False
        follower, self._state_follower = self._state_follower, None
        if follower is not None:
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)
        finishing, self._finishing = self._finishing, None
        if finishing is not None:
            finishing.cancel()
            await asyncio.gather(finishing, return_exceptions=True)
        if self.deadman is not None:
            await self.deadman.stop()  # a clean stop disarms: the orders stay working
        await self._auditor.stop()
        await self._feed.stop_polling()
        await self._brackets.drain()
        with contextlib.suppress(ExecutionError):
            await self._core.exchange.stop_user_stream()
        await self._settle_background()
        await self._core.callbacks.drain()
        self._core.recorder.persist_dirty()
        with contextlib.suppress(OSError):  # logged by the state file; memory still holds it
            await self._core.risk.flush_state()
        store = self._store
        if store is not None:
            store.release(self._owner)
            # StoreUnavailableError: the store could not write what is left (a full
            # disk, past the store's close_timeout); it says what was not persisted.
            if self._owns_store:
                await store.close()
            else:
                await store.flush()
