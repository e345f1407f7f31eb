"""The driver's store on a small disk of its own, which the soak fills up for a while.

`StoreDisk.mount()` mounts a tmpfs of `size_mb` on a directory of the work dir (it needs
root; when the mount is refused, `reason` says why and the DISK_FULL fault is skipped, with
that reason in the report). `fill()` writes a filler file until the disk is full (ENOSPC);
`free()` deletes it. `unmount()` copies the store files out to the work dir first, so that
they survive the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import subprocess
from pathlib import Path

FILLER = "filler.bin"
_CHUNK = b"\0" * (256 * 1024)


class StoreDisk:
    """A tmpfs for the store (or, when it cannot be mounted, a plain directory)."""

    def __init__(self, work: Path, size_mb: int) -> None:
        self.path = work / "store-disk"
        self.size_mb = size_mb
        self.mounted = False
        self.reason = ""  # why DISK_FULL cannot be injected ("" once mounted)
        self.full = False
        self.fills = 0
        self.filled_bytes = 0

    def mount(self) -> bool:
        """Mount the tmpfs; False (and `reason`) when that is refused."""
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m", "tmpfs", str(self.path)],
                check=True, capture_output=True, timeout=20,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            self.reason = (
                f"mount -t tmpfs refused ({exc}; {detail.decode(errors='replace').strip()}): "
                "DISK_FULL skipped"
            )
            return False
        self.mounted = True
        return True

    def _fill(self) -> int:
        """Write zeros until not one more byte fits (unbuffered: nothing left to flush)."""
        written = 0
        size = len(_CHUNK)
        with (self.path / FILLER).open("ab", buffering=0) as filler:
            while size >= 1:
                try:
                    written += filler.write(_CHUNK[:size]) or 0
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    size //= 8
        return written

    async def fill(self) -> bool:
        """Fill the disk to the last byte (False when not mounted or already full)."""
        if not self.mounted or self.full:
            return False
        self.full = True
        try:
            self.filled_bytes += await asyncio.to_thread(self._fill)
        except OSError:
            self.full = False
            await self.free()
            return False
        self.fills += 1
        return True

    async def free(self) -> None:
        """Delete the filler file."""
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(os.remove, self.path / FILLER)
        self.full = False

    async def unmount(self, keep_in: Path) -> None:
        """Free the disk, copy the store files to `keep_in`, unmount."""
        await self.free()
        if not self.mounted:
            return
        for item in self.path.iterdir():
            if item.is_file():
                await asyncio.to_thread(shutil.copy2, item, keep_in / item.name)
        await asyncio.to_thread(
            subprocess.run, ["umount", "-l", str(self.path)], check=False, capture_output=True
        )
        self.mounted = False
