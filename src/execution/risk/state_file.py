"""`TradingStateFile`: the trading state kept across restarts.

A kill switch that a restart forgets is no kill switch: after `panic()` (HALTED) or an
operator's REDUCING, a manager started again on the same store must come back in that
state, not ACTIVE. The state is a small JSON file (by default next to the SQLite store:
`<store file>.trading-state.json`), replaced atomically (written to a temporary file,
flushed to disk, renamed) in a worker thread, so a SIGKILL at any point leaves either the
old state or the new one and the event loop never waits for the disk.

A file that exists but cannot be read or understood is taken as HALTED: the state it held
is unknown and the safe reading of an unknown state is "halted". A missing file is ACTIVE
(nothing was ever recorded). When a write fails (a full disk, say) the error is logged,
the state in memory stays what it was set to, and the write is tried again with the next
change or `flush`.

Other places keep the state the same way (`TradingStateKeeper`: load, save_soon, flush):
a PostgreSQL store keeps it in its database (`store_postgres_state`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from execution.risk.limits import TradingState

logger = logging.getLogger(__name__)

STATE_FILE_SUFFIX = ".trading-state.json"
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class SavedTradingState:
    """A trading state as it was recorded: the state, why, and when (ms since epoch)."""

    state: TradingState
    reason: str
    set_at_ms: int


def state_file_for_store(location: str) -> Path:
    """The default trading-state file of a SQLite store at `location` (its path)."""
    return Path(location + STATE_FILE_SUFFIX)


def read_state(path: Path) -> SavedTradingState | None:
    """The state recorded in `path` (blocking: call it in a thread); None when there is
    no file; HALTED when the file is there but unreadable or not understood."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return _unreadable(path, f"cannot be read ({exc.strerror or exc})")
    try:
        data = json.loads(raw)
        state = TradingState(data["state"])
        reason = str(data.get("reason", ""))
        set_at = int(data.get("set_at_ms", 0))
    except (ValueError, KeyError, TypeError) as exc:
        return _unreadable(path, f"is not a trading-state file ({type(exc).__name__})")
    return SavedTradingState(state, reason, set_at)


def _unreadable(path: Path, why: str) -> SavedTradingState:
    logger.error("trading-state file %s %s: trading stays HALTED until the state is set", path,
                 why)
    return SavedTradingState(TradingState.HALTED, f"the trading-state file {why}", 0)


def write_state(path: Path, saved: SavedTradingState) -> None:
    """Replace `path` with `saved`, atomically and durably (blocking: call it in a thread)."""
    body = json.dumps({
        "format": FORMAT_VERSION, "state": saved.state.value, "reason": saved.reason,
        "set_at_ms": saved.set_at_ms,
    }).encode()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power loss
    finally:
        os.close(directory)


@runtime_checkable
class TradingStateKeeper(Protocol):
    """Where a risk engine keeps its trading state across restarts: a file next to a
    SQLite store (`TradingStateFile`), rows of a PostgreSQL store
    (`store_postgres_state.PostgresTradingState`)."""

    async def load(self) -> SavedTradingState | None:
        """The recorded state (None: nothing recorded; HALTED: a record that cannot be
        read), read off the event loop."""
        ...

    def save_soon(self, saved: SavedTradingState) -> None:
        """Record `saved` in the background (never blocking the event loop)."""
        ...

    async def flush(self) -> None:
        """Wait until the latest state is recorded; `OSError` when it cannot be."""
        ...

    @property
    def settled(self) -> bool:
        """Nothing of this process's waits to be written (a read shows its latest)."""
        ...


@runtime_checkable
class KeepsTradingState(Protocol):
    """An order store that keeps its manager's trading state itself (PostgreSQL)."""

    def trading_state_keeper(self) -> TradingStateKeeper:
        """The keeper of the trading state of the store's manager."""
        ...


class BackgroundStateKeeper:
    """A `TradingStateKeeper` whose blocking `_read` and `_write` run in worker threads:
    the latest state is written in the background, in order (a later state never loses
    to an earlier write still in flight). A failed write (`OSError`) is logged, kept as
    `last_error`, and tried again at the next change or `flush`."""

    def __init__(self) -> None:
        self._wanted: SavedTradingState | None = None
        self._written: SavedTradingState | None = None
        self._writer: asyncio.Task[None] | None = None
        self.last_error: OSError | None = None

    @property
    def settled(self) -> bool:
        """Nothing of this process's waits to be written (a read shows its latest)."""
        idle = self._writer is None or self._writer.done()
        return idle and (self._wanted is None or self._wanted == self._written)

    @property
    def where(self) -> str:  # pragma: no cover - every keeper names its place
        """Where the state is kept (for the logs)."""
        raise NotImplementedError

    def _read(self) -> SavedTradingState | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _write(self, saved: SavedTradingState) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    async def load(self) -> SavedTradingState | None:
        """The recorded state, read off the event loop."""
        saved = await asyncio.to_thread(self._read)
        self._written = saved
        return saved

    def save_soon(self, saved: SavedTradingState) -> None:
        """Record `saved` as soon as possible (a write in a thread); without a running
        event loop it is written now."""
        self._wanted = saved
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self._write_now(saved)
            return
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending(), name="trading-state")

    async def flush(self) -> None:
        """Wait until the latest state is recorded; `OSError` when it could not be (it
        is tried again at the next change or flush)."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
        wanted = self._wanted
        if wanted is not None and wanted != self._written:
            await asyncio.to_thread(self._write, wanted)
            self._written, self.last_error = wanted, None

    async def _write_pending(self) -> None:
        while self._wanted is not None and self._wanted != self._written:
            wanted = self._wanted
            try:
                await asyncio.to_thread(self._write, wanted)
            except OSError as exc:
                self.last_error = exc
                logger.error("trading state %s not recorded in %s (%s): a restart would not "
                             "keep it", wanted.state.value, self.where, exc)
                return
            self._written, self.last_error = wanted, None

    def _write_now(self, saved: SavedTradingState) -> None:
        try:
            self._write(saved)
        except OSError as exc:
            self.last_error = exc
            logger.error("trading state %s not recorded in %s (%s)", saved.state.value,
                         self.where, exc)
            return
        self._written, self.last_error = saved, None


class TradingStateFile(BackgroundStateKeeper):
    """Writes the latest trading state to the file `path` in the background."""

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"TradingStateFile({str(self.path)!r})"

    @property
    def where(self) -> str:
        """The file's path."""
        return str(self.path)

    def _read(self) -> SavedTradingState | None:
        return read_state(self.path)

    def _write(self, saved: SavedTradingState) -> None:
        write_state(self.path, saved)
