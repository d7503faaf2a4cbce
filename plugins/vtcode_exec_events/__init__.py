"""Event sinks. This first version has the human-readable stderr sink."""

from __future__ import annotations

from collections.abc import Callable

from vtcode_hookspecs import EventSink, hookimpl

from .stderr_sink import StderrSink


@hookimpl
def register_event_sinks(register: Callable[[EventSink], None]) -> None:
    register(StderrSink())
