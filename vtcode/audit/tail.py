"""`vtcode audit tail`: the newest events of a session's log, and, with -f, the ones still coming."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from vtcode.errors import InvariantError, VtcodeError
from vtcode.events.describe import describe
from vtcode.terminal import neutral

POLL_S = 0.2


def latest_log(directory: Path) -> Path:
    """The first segment of the session written to most recently."""
    logs = [p for p in directory.glob("*.jsonl") if p.is_file()]
    if not logs:
        raise VtcodeError(f"no audit logs in {directory} (set [audit] dir or VTCODE_AUDIT_DIR?)")
    newest = max(logs, key=lambda p: p.stat().st_mtime)
    return segments(newest)[0]


def segments(path: Path) -> list[Path]:
    """A session's files in order: <session>.jsonl, <session>.1.jsonl, <session>.2.jsonl..."""
    session = path.name.split(".", 1)[0]
    found = [path.parent / f"{session}.jsonl"]
    n = 1
    while (path.parent / f"{session}.{n}.jsonl").exists():
        found.append(path.parent / f"{session}.{n}.jsonl")
        n += 1
    return [p for p in found if p.exists()] or [path]


def last_events(path: Path, count: int) -> list[dict[str, Any]]:
    """The last `count` events of a session (all its segments), in constant memory."""
    return tail_from(path, count)[0]


def tail_from(path: Path, count: int) -> tuple[list[dict[str, Any]], Path, int]:
    """The last `count` events, and where they end (segment, byte offset after the last whole line), so
    a follower starts exactly there: an event written between the two is neither lost nor repeated."""
    kept: deque[bytes] = deque(maxlen=count)
    files = segments(path)
    end = 0
    for segment in files:
        end = 0
        with segment.open("rb") as handle:
            for line in handle:
                if not line.endswith(b"\n"):
                    break  # a line still being written: the follower picks it up
                kept.append(line)
                end += len(line)
    return [_parse(line) for line in kept], files[-1], end


def follow(
    path: Path, sleep: Callable[[float], None] = time.sleep, *, start: tuple[Path, int] | None = None
) -> Iterator[dict[str, Any]]:
    """Events appended after `start` (default: the end of the log now), across rotations, until the
    session ends."""
    if start is None:
        current = segments(path)[-1]
        offset = current.stat().st_size
    else:
        current, offset = start
    handle = current.open("rb")
    handle.seek(offset)
    buffered = b""
    try:
        while True:
            chunk = handle.readline()
            if chunk:
                buffered += chunk
                if not buffered.endswith(b"\n"):
                    continue  # a line being written: wait for the rest
                event = _parse(buffered)
                buffered = b""
                yield event
                if event.get("type") == "session.ended":
                    return
                continue
            following = _next_segment(current)
            if following.exists():
                handle.close()
                current, handle = following, following.open("rb")
                continue
            sleep(POLL_S)
    finally:
        handle.close()


def format_event(event: dict[str, Any]) -> str:
    payload = event.get("payload") if isinstance(event.get("payload"), dict) else {}
    if not isinstance(payload, dict):
        raise InvariantError("an event payload that is not a JSON object")
    summary = describe(str(event.get("type")), payload) if "type" in event else event.get("error", "")
    # A log records what the model and the tools wrote, escapes included: replayed, they would act on the
    # auditor's terminal. Every field is neutralised (a tampered log can put text anywhere).
    line = f"{event.get('seq', '?'):>6} {event.get('ts', '')} {event.get('type', '?'):<18} {summary}"
    return neutral(line)


def _next_segment(current: Path) -> Path:
    parts = current.name.split(".")
    n = int(parts[1]) + 1 if len(parts) == 3 else 1
    return current.parent / f"{parts[0]}.{n}.jsonl"


def _parse(line: bytes) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except ValueError:
        return {"error": f"corrupted line: {line[:60]!r}"}
    return data if isinstance(data, dict) else {"error": "not an event"}
