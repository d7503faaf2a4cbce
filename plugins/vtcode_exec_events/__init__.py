"""Built-in event sinks: stderr (for people), jsonl (the hash-chained audit log), splunk-hec, elastic."""

from __future__ import annotations

from collections.abc import Callable

from vtcode_hookspecs import EventSink, hookimpl

from .elastic import ElasticSink
from .jsonl_sink import JsonlSink
from .splunk_hec import SplunkHecSink
from .stderr_sink import StderrSink


@hookimpl
def register_event_sinks(register: Callable[[EventSink], None]) -> None:
    register(StderrSink())
    register(JsonlSink())
    register(SplunkHecSink())
    register(ElasticSink())
