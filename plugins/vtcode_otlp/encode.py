"""Events -> one OTLP ExportLogsServiceRequest, with the OpenTelemetry project's own message classes.

The mapping (docs/otlp.md): one log record per event; the body is the event's exact audit line (so a
collector-side copy can be re-hashed and checked against the local chain); the type is `event_name`
and the `event.name` attribute; id, seq, hash, prev_hash, actor and schema are `vtcode.event.*`
attributes; the payload's top-level scalars are `vtcode.payload.<key>` attributes for querying.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from vtcode_hookspecs import SECURITY_EVENTS, Event

if TYPE_CHECKING:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import KeyValue

SCOPE_NAME = "vtcode.exec-events"
SCOPE_VERSION = "1"
ATTRIBUTE_CHARS = 4_096  # a payload string attribute is cut here; the body has it whole

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# OpenTelemetry's SeverityNumber: DEBUG 5, INFO 9, WARN 13, ERROR 17.
_DEBUG, _INFO, _WARN, _ERROR = 5, 9, 13, 17
_SEVERITY = {
    "error": _ERROR,
    "sandbox.violation": _WARN,
    "plugin.blocked": _WARN,
    "tool.refused": _WARN,
    "command.output": _DEBUG,
    "llm.reasoning": _DEBUG,
}
_SEVERITY_TEXT = {_DEBUG: "DEBUG", _INFO: "INFO", _WARN: "WARN", _ERROR: "ERROR"}


def severity(event: Event) -> int:
    if event.type == "policy.decision" and event.payload.get("decision") == "deny":
        return _WARN
    return _SEVERITY.get(event.type, _INFO)


def unix_nanos(ts: datetime) -> int:
    """Exact nanoseconds (float seconds would lose the microseconds of a 2020s timestamp)."""
    delta = ts - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def export_request(
    events: list[Event], resource: dict[str, str], *, observed: int
) -> ExportLogsServiceRequest:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import InstrumentationScope
    from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
    from opentelemetry.proto.resource.v1.resource_pb2 import Resource

    records = []
    for event in events:
        level = severity(event)
        record = LogRecord(
            time_unix_nano=unix_nanos(event.ts),
            observed_time_unix_nano=observed,
            severity_number=level,  # type: ignore[arg-type]
            severity_text=_SEVERITY_TEXT[level],
            event_name=event.type,
            attributes=_event_attributes(event),
        )
        record.body.string_value = event.to_line()
        records.append(record)
    scope = InstrumentationScope(name=SCOPE_NAME, version=SCOPE_VERSION)
    resource_message = Resource(attributes=[kv(key, value) for key, value in resource.items()])
    logs = ResourceLogs(resource=resource_message, scope_logs=[ScopeLogs(scope=scope, log_records=records)])
    return ExportLogsServiceRequest(resource_logs=[logs])


def _event_attributes(event: Event) -> list[KeyValue]:
    line_fields: dict[str, Any] = {
        "event.name": event.type,
        "vtcode.event.id": event.id,
        "vtcode.event.seq": event.seq,
        "vtcode.event.hash": event.hash,
        "vtcode.event.prev_hash": event.prev_hash,
        "vtcode.event.actor": event.actor,
        "vtcode.event.schema": event.schema_,
        "vtcode.event.security": event.type in SECURITY_EVENTS,
    }
    attributes = [kv(key, value) for key, value in line_fields.items() if value is not None]
    for key, value in sorted(event.payload.items()):
        too_big = isinstance(value, int) and abs(value) >= 2**63  # int64 on the wire; the body has it
        if isinstance(value, bool | int | float | str) and not too_big:
            attributes.append(kv(f"vtcode.payload.{key}", value))
    return attributes


def kv(key: str, value: bool | int | float | str) -> KeyValue:
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value[:ATTRIBUTE_CHARS]))
