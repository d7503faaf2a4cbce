"""Real audit logs for tests: a real EventBus writing through the real jsonl sink."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vtcode_exec_events.jsonl_sink import JsonlSink
from vtcode_hookspecs import SinkSettings

from vtcode.events import EventBus


def audit_bus(
    directory: Path,
    *,
    session: str = "s1",
    fsync: str = "batch",
    rotate_bytes: int = 1 << 28,
    **bus_options: Any,
) -> tuple[EventBus, JsonlSink]:
    bus = EventBus(session=session, require_audit=True, **bus_options)
    sink = JsonlSink()
    sink.configure(
        SinkSettings(
            session=session,
            audit_dir=str(directory),
            fsync=fsync,  # type: ignore[arg-type]
            rotate_bytes=rotate_bytes,
        )
    )
    bus.attach([sink])
    return bus, sink


def decision(command: str, verdict: str = "allow", call_id: str = "c") -> dict[str, Any]:
    return {
        "call_id": call_id,
        "action": {"kind": "command", "tool": "run_command", "shell": command},
        "decision": verdict,
        "reason": "test",
        "rule": None,
    }


def write_session(
    directory: Path, events: int = 10, *, closed: bool = True, session: str = "s1", **options: Any
) -> Path:
    """A session of `events` events besides session.started/ended: decisions and tool events."""
    bus, sink = audit_bus(directory, session=session, **options)
    bus.start({"workspace": str(directory)})
    for i in range(events):
        if i % 3 == 0:
            bus.emit("policy.decision", decision(f"echo {i}", call_id=f"c{i}"))
        else:
            bus.emit("tool.finished", {"call_id": f"c{i}", "tool": "read_file", "ok": True, "bytes": i})
    path = sink.path
    assert path is not None
    if closed:
        bus.close()
    else:
        sink.flush()
    return directory / f"{session}.jsonl"
