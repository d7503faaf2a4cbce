"""The `otlp` event sink: every event as an OpenTelemetry log record, posted to an OTLP/HTTP endpoint
(an OpenTelemetry Collector, or any backend that speaks OTLP), protobuf by default, JSON on request.

    [events.sinks.otlp]
    endpoint = "http://127.0.0.1:4318"   # the collector's OTLP/HTTP base; /v1/logs is added

The wire format comes from the OpenTelemetry project's own `opentelemetry-proto` package (the `otlp`
extra), imported when the sink is configured: a session without it pays nothing. See docs/otlp.md.
"""

from __future__ import annotations

from collections.abc import Callable

from vtcode_hookspecs import EventSink, hookimpl

from .sink import OtlpSink


@hookimpl
def register_event_sinks(register: Callable[[EventSink], None]) -> None:
    register(OtlpSink())
