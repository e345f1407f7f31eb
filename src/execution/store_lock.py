"""`StoreFileLock`: one `OrderStore` a store file at a time, across processes.

An exclusive `flock` on a sidecar file (`<store file>.lock`), held open for as long as the
store is open. The operating system releases it when the descriptor is closed, so a
process that dies (even by SIGKILL) never leaves the file locked. Two opens in one process
conflict as well (each has its own open file description). The holder writes its pid into
the sidecar so that a refused opener can name it. The calls block (file I/O): run them off
the event loop.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from execution.errors import StoreLockedError


def lock_path(path: Path) -> Path:
    """The sidecar lock file of the store file `path`."""
    return path.with_name(path.name + ".lock")


class StoreFileLock:
    """The exclusive lock of one store file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_file = lock_path(path)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise `StoreLockedError` (naming the holder's pid if known)."""
        if self._fd is not None:
            return
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _read_pid(fd)
            os.close(fd)
            raise StoreLockedError(str(self.path), owner) from None
        except BaseException:
            os.close(fd)
            raise
        # The pid is only a courtesy for the message: a full disk must not stop the lock.
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Give the lock up (closing the descriptor releases it). Safe to call twice."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
