"""What the agent's thread hands the UI thread: one queue, drained by the app on a timer.

The agent never waits on the UI to show a token (it would slow the model's stream to the screen's pace,
and a busy screen would stall the agent); the UI drains at its own pace, in order, in batches.
"""

from __future__ import annotations

import queue
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


@dataclass(frozen=True)
class ToolEnded:
    call_id: str
    ok: bool
    output: str
    refused: str  # why the policy or the person refused it, or ""
    duration_s: float


@dataclass(frozen=True)
class Finished:
    summary: str
    tokens: int
    failed: bool


@dataclass(frozen=True)
class Seen:
    event: Event


Item = Text | ToolStarted | ToolEnded | Finished | Seen


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
