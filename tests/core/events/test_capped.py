"""Audit and session records keep capped content with its digest: a huge argument or answer is never
written whole, and what was cut can still be identified by its sha256."""

from __future__ import annotations

import hashlib
from pathlib import Path

from vtcode_hookspecs import ChatMessage, ToolCall

from vtcode.agent.session import SessionSaver, new_session
from vtcode.events import EventBus
from vtcode.events.capped import RECORD_STRING_BYTES, SESSION_STRING_BYTES, capped


def test_a_capped_string_keeps_its_head_size_and_digest() -> None:
    text = "é" * 100_000  # 200,000 bytes
    out = capped(text, 1000)
    data = text.encode()
    assert out.startswith("é" * 500)
    assert out.endswith(f"[... capped: {len(data)} bytes in all, sha256:{hashlib.sha256(data).hexdigest()}]")
    assert capped("short", 1000) == "short"


def test_every_event_payload_string_is_capped_with_its_digest() -> None:
    bus = EventBus()
    content = "x" * (5 << 20)
    event = bus.emit("tool.started", {"tool": "write_file", "args": {"path": "a", "content": content}})
    stored = event.payload["args"]["content"]
    assert len(stored.encode()) < RECORD_STRING_BYTES + 200
    assert hashlib.sha256(content.encode()).hexdigest() in stored
    assert len(event.to_line()) < RECORD_STRING_BYTES + 2000
    other = bus.emit("custom.note", {"text": content})  # a type without a schema: capped too
    assert len(other.to_line()) < RECORD_STRING_BYTES + 2000


class MemoryStore:
    name = "memory"

    def __init__(self) -> None:
        self.saved: list[object] = []

    def save(self, session: object) -> None:
        self.saved.append(session)


def test_a_saved_session_caps_messages_and_tool_call_arguments(workspace: Path) -> None:
    store = MemoryStore()
    saver = SessionSaver(store, EventBus())  # type: ignore[arg-type]
    record = new_session("abc", workspace, model="m", provider="p")
    huge = "y" * (3 << 20)
    messages = [
        ChatMessage(role="user", content="hi"),
        ChatMessage(role="assistant", content=huge, tool_calls=[ToolCall(id="c", name="write_file",
                                                                         arguments=huge)]),
    ]
    saved = saver.save(record, messages, {})
    kept = saved.messages[1]
    digest = hashlib.sha256(huge.encode()).hexdigest()
    assert len(kept.content) < SESSION_STRING_BYTES + 200 and digest in kept.content
    assert len(kept.tool_calls[0].arguments) < SESSION_STRING_BYTES + 200
    assert saved.messages[0] is messages[0]  # small messages are kept as they are


def test_a_saved_session_caps_tool_call_names_ids_and_meta(workspace: Path) -> None:
    # 16,000 calls with 60 KB names once made a 955 MB session file: names and ids are capped too.
    store = MemoryStore()
    saver = SessionSaver(store, EventBus())  # type: ignore[arg-type]
    record = new_session("abc", workspace, model="m", provider="p")
    name, call_id = "n" * 60_000, "i" * 60_000
    messages = [
        ChatMessage(role="assistant", tool_calls=[ToolCall(id=call_id, name=name, arguments="{}")] * 50),
        ChatMessage(role="tool", content="unknown tool", tool_call_id=call_id),
    ]
    saved = saver.save(record, messages, {"stop": "z" * (5 << 20)})
    calls = saved.messages[0].tool_calls
    assert len(calls) == 50
    assert all(len(c.name.encode()) < 1024 + 200 and len(c.id.encode()) < 1024 + 200 for c in calls)
    assert hashlib.sha256(name.encode()).hexdigest() in calls[0].name
    assert saved.messages[1].tool_call_id == calls[0].id  # the result still names its call
    assert len(saved.meta["stop"]) < RECORD_STRING_BYTES + 200
