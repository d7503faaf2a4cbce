"""Event sinks: where events go (stderr, audit files, SIEMs)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ._events import Event


@runtime_checkable
class EventSink(Protocol):
    @property
    def name(self) -> str: ...

    def emit(self, event: Event) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...
