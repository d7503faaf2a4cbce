"""Output handling that never grows with the command's output: a head+tail buffer for the model and
coalesced `command.output` events for watchers. A 1 GB stream costs the same memory as a 1 KB one."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from vtcode_hookspecs import CommandOutput

DEFAULT_KEEP = 32 * 1024
EVENT_INTERVAL_S = 0.25
EVENT_EXCERPT = 4096


class HeadTail:
    """Keeps the first and the last `limit // 2` bytes: the model needs the command line's echo and the
    error at the end; the middle is counted, not kept."""

    def __init__(self, limit: int = DEFAULT_KEEP) -> None:
        self.head_cap = limit // 2
        self.tail_cap = limit - self.head_cap
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.head_cap - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > 2 * self.tail_cap:  # trim in batches: amortised O(1) per byte
                del self.tail[: -self.tail_cap]

    @property
    def discarded(self) -> int:
        return self.total - len(self.head) - min(len(self.tail), self.tail_cap)

    def text(self) -> str:
        tail = bytes(self.tail[-self.tail_cap :]) if self.tail_cap else b""
        middle = (
            f"\n[... {self.discarded} bytes discarded; kept the first {len(self.head)} and the last "
            f"{len(tail)} ...]\n"
            if self.discarded
            else ""
        )
        return self.head.decode("utf-8", "replace") + middle + tail.decode("utf-8", "replace")


class OutputEvents:
    """`command.output` at most every EVENT_INTERVAL_S, with a bounded excerpt and exact byte counts."""

    def __init__(
        self,
        record: Callable[[CommandOutput], None],
        stream: str,
        *,
        interval: float = EVENT_INTERVAL_S,
        include_text: bool = False,
    ) -> None:
        self._record = record
        self._stream = stream
        self._include_text = include_text  # output may hold secrets: the audit log gets it only if asked
        self._interval = interval
        self._last = time.monotonic()
        self._pending = 0
        self._excerpt = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self._pending += len(chunk)
        if self._include_text and len(self._excerpt) < EVENT_EXCERPT:
            self._excerpt += chunk[: EVENT_EXCERPT - len(self._excerpt)]
        if time.monotonic() - self._last >= self._interval:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        counts: dict[str, Any] = {"stream": self._stream, "bytes": self._pending, "total_bytes": self.total}
        if self._include_text:
            counts["text"] = self._excerpt.decode("utf-8", "replace")
        self._record(CommandOutput(**counts))
        self._pending = 0
        self._excerpt = bytearray()
        self._last = time.monotonic()
