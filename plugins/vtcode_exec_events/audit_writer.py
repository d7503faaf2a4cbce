"""Appending audit lines to a session's files: whole lines only, fsync when asked, rotation by size.

Files are `<session>.jsonl`, then `<session>.1.jsonl`, `.2`... (mode 0600, created exclusively, so a
session never appends to a file it did not start). Lines are buffered and written in batches; `sync()`
writes everything and fsyncs, which the bus calls before any security event's action runs. A failed write
is cut back to the last whole line, so the file stays verifiable up to it.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

BATCH_BYTES = 64 * 1024  # written to the kernel at least this often
SYNC_INTERVAL_S = 1.0  # in "batch" mode, other events reach the disk at least this often


class AuditWriter:
    def __init__(self, directory: Path, session: str, *, fsync_each: bool, rotate_bytes: int) -> None:
        self.directory = directory
        self.session = session
        self._fsync_each = fsync_each
        self._rotate_bytes = rotate_bytes
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._segment = 0
        self._last_sync = time.monotonic()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._fd, self._size = self._open(0), 0

    @property
    def path(self) -> Path:
        return self._segment_path(self._segment)

    def append(self, line: str) -> None:
        data = line.encode("utf-8") + b"\n"
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._fsync_each:
            self.sync()
        elif self._pending_bytes >= BATCH_BYTES:
            self.write_out()
            if time.monotonic() - self._last_sync >= SYNC_INTERVAL_S:
                self._fsync()

    def write_out(self) -> None:
        """Hand buffered lines to the kernel (they survive the process being killed, not a power cut)."""
        if not self._pending:
            return
        data = b"".join(self._pending)
        written = 0
        try:
            while written < len(data):
                written += os.write(self._fd, data[written:])
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)  # keep whole lines only (the file is O_APPEND)
            raise
        self._pending.clear()
        self._pending_bytes = 0
        self._size += len(data)
        if self._size >= self._rotate_bytes:
            self._rotate()

    def sync(self) -> None:
        """Everything appended so far is on stable storage when this returns."""
        self.write_out()
        self._fsync()

    def close(self) -> None:
        if self._fd < 0:
            return
        try:
            self.sync()
        finally:
            os.close(self._fd)
            self._fd = -1

    def _fsync(self) -> None:
        os.fsync(self._fd)
        self._last_sync = time.monotonic()

    def _rotate(self) -> None:
        self._fsync()
        os.close(self._fd)
        self._fd = -1
        self._segment += 1
        self._fd, self._size = self._open(self._segment), 0

    def _segment_path(self, segment: int) -> Path:
        suffix = ".jsonl" if segment == 0 else f".{segment}.jsonl"
        return self.directory / f"{self.session}{suffix}"

    def _open(self, segment: int) -> int:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC
        fd = os.open(self._segment_path(segment), flags, 0o600)
        directory = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)  # the new file's name is durable too
        finally:
            os.close(directory)
        return fd
