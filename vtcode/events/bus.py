"""Ordered event delivery. Events raised before any sink is loaded (plugin sign-off itself) are buffered
and replayed to sinks when they attach, so the record of how plugins were admitted is never lost."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from vtcode_hookspecs import Event, EventSink


class EventBus:
    def __init__(self, session: str | None = None) -> None:
        self.session = session or uuid.uuid4().hex
        self._seq = 0
        self._sinks: list[EventSink] = []
        self._history: list[Event] = []

    @property
    def history(self) -> list[Event]:
        return list(self._history)

    def emit(self, type: str, payload: dict[str, Any], *, actor: str = "vtcode") -> Event:
        event = Event(
            id=uuid.uuid4().hex,
            ts=datetime.now(UTC),
            session=self.session,
            seq=self._seq,
            type=type,
            actor=actor,
            payload=payload,
        )
        self._seq += 1
        self._history.append(event)
        for sink in self._sinks:
            sink.emit(event)
        return event

    def attach(self, sinks: Iterable[EventSink]) -> None:
        """Add sinks and replay everything emitted so far to them, in order."""
        for sink in sinks:
            for event in self._history:
                sink.emit(event)
            self._sinks.append(sink)

    def close(self) -> None:
        for sink in self._sinks:
            sink.flush()
            sink.close()
        self._sinks.clear()
