"""What the agent's thread hands the UI thread: one queue, drained by the app on a timer.

The agent never waits on the UI to show a token (it would slow the model's stream to the screen's pace,
and a busy screen would stall the agent); the UI drains at its own pace, in order, in batches.
"""

from __future__ import annotations

import codecs
import queue
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vtcode_hookspecs import Event


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class ToolStarted:
    call_id: str
    name: str
    arguments: dict[str, Any]
    diff: str  # for file edits, the change as a unified diff (computed before the tool ran)


class LiveTail:
    """The last characters a running command printed, for its panel. Bounded however much it prints, and
    posted to the inbox at most once per drain: a fast stream costs one panel update per frame."""

    LIMIT = 8_000

    def __init__(self, call_id: str) -> None:
        self.call_id = call_id
        self._lock = threading.Lock()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._text = ""
        self._bytes = 0
        self._posted = False

    def add(self, data: bytes) -> bool:
        """Keep `data`'s text; True when the UI must be told (nothing is pending for it yet)."""
        with self._lock:
            self._bytes += len(data)
            self._text = (self._text + self._decoder.decode(data[-self.LIMIT * 4 :]))[-self.LIMIT :]
            post, self._posted = not self._posted, True
            return post

    def take(self) -> tuple[str, int]:
        """The tail and the byte count so far (UI thread)."""
        with self._lock:
            self._posted = False
            return self._text, self._bytes


@dataclass(frozen=True)
class ToolOutput:
    call_id: str
    live: LiveTail


@dataclass(frozen=True)
class ToolEnded:
    call_id: str
    ok: bool
    output: str
    refused: str  # why the policy or the person refused it, or ""
    duration_s: float
    exit_code: int | None = None  # a command's exit status, when the tool ran one
    interrupted: bool = False  # stopped with Esc (SIGINT to the command's process group)


@dataclass(frozen=True)
class Finished:
    summary: str
    tokens: int
    failed: bool


@dataclass(frozen=True)
class Seen:
    event: Event


Item = Text | ToolStarted | ToolOutput | ToolEnded | Finished | Seen


class Inbox:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Item] = queue.SimpleQueue()

    def put(self, item: Item) -> None:
        self._queue.put(item)

    def drain(self, limit: int = 10_000) -> list[Item]:
        items: list[Item] = []
        while len(items) < limit:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return items
