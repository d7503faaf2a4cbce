"""Event sinks: where events go (stderr, the audit log, SIEMs).

Every sink implements `EventSink`. Two optional extensions:

- `configure(settings)`: called once before the first event with the session, the audit dir and the
  sink's own options from `[events.sinks.<name>]`; raise ValueError with a message a user can act on.
- `delivery`: how the bus hands it events. "queued" (default): on a thread of its own with a bounded buffer
  and retries, so a slow SIEM never stalls the agent. "inline": in the caller's thread (stderr, where
  order with prompts matters). "durable": in the caller's thread, and `sync()` makes everything emitted so
  far survive a crash; the bus calls it before a security event's action may run (write-ahead).
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from ._events import Event

SinkDelivery = Literal["queued", "inline", "durable"]


@runtime_checkable
class EventSink(Protocol):
    @property
    def name(self) -> str: ...

    def emit(self, event: Event) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class DurableSink(EventSink, Protocol):
    """An audit log: `sync()` returns only once every event emitted to it is on stable storage."""

    def sync(self) -> None: ...


class SinkSettings(BaseModel):
    """What the core tells a sink about where it runs; `options` are the sink's own, unvalidated."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    session: str
    audit_dir: str
    fsync: Literal["event", "batch"] = "batch"
    rotate_bytes: int = 256 * 1024 * 1024
    user: str = ""
    host: str = ""
    options: dict[str, Any] = {}
