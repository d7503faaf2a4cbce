"""Spans for turns, model calls and tool calls, derived from the events (`traces = true`), following
OpenTelemetry's GenAI conventions: `chat {model}` (CLIENT) from `llm.request` to its `llm.response`,
`execute_tool {tool}` from `tool.started` to `tool.finished` (same call_id), both children of
`turn {n}` from `turn.started` to `turn.completed` (or `agent.stopped`). The trace id is the session id
(32 hex digits), so log records and spans of a session share it; span ids come from the starting event's
id. A span whose end never came (a crash) is not sent: the log records still are.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vtcode_hookspecs import Event

from .encode import unix_nanos

if TYPE_CHECKING:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

_INTERNAL, _CLIENT = 1, 3
_OK, _ERROR = 1, 2


def trace_id(session: str) -> bytes:
    try:
        raw = bytes.fromhex(session)
    except ValueError:
        raw = b""
    return raw if len(raw) == 16 else hashlib.sha256(session.encode()).digest()[:16]


def span_id(event_id: str) -> bytes:
    return hashlib.sha256(event_id.encode()).digest()[:8]


@dataclass
class FinishedSpan:
    name: str
    kind: int
    span_id: bytes
    parent: bytes | None
    start: int
    end: int
    attributes: dict[str, Any]
    error: str | None = None


@dataclass
class SpanBuilder:
    """Pairs starting and ending events as they are emitted; finished spans wait in `done`."""

    done: list[FinishedSpan] = field(default_factory=list)
    _turn: tuple[Event, bytes] | None = None
    _chat: Event | None = None
    _tools: dict[str, Event] = field(default_factory=dict)

    def see(self, event: Event) -> None:
        kind, p = event.type, event.payload
        if kind == "turn.started":
            self._end_turn(event)
            self._turn = (event, span_id(event.id))
        elif kind in ("turn.completed", "agent.stopped"):
            self._end_turn(event)
        elif kind == "llm.request":
            self._chat = event
        elif kind == "llm.response" and self._chat is not None:
            start, self._chat = self._chat, None
            attributes = {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": str(start.payload.get("provider", "")),
                "gen_ai.request.model": str(start.payload.get("model", "")),
                "gen_ai.response.model": str(p.get("model", "")),
                "gen_ai.usage.input_tokens": p.get("input_tokens"),
                "gen_ai.usage.output_tokens": p.get("output_tokens"),
                "gen_ai.response.finish_reasons": p.get("finish_reason"),
            }
            self._add(f"chat {start.payload.get('model', '')}", _CLIENT, start, event, attributes)
        elif kind == "tool.started" and p.get("call_id"):
            self._tools[str(p["call_id"])] = event
        elif kind == "tool.finished" and str(p.get("call_id", "")) in self._tools:
            start = self._tools.pop(str(p["call_id"]))
            attributes = {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": str(p.get("tool", "")),
                "gen_ai.tool.call.id": str(p.get("call_id", "")),
                "vtcode.tool.plugin": start.payload.get("plugin"),
            }
            error = None if p.get("ok", True) else "the tool failed"
            self._add(f"execute_tool {p.get('tool', '')}", _INTERNAL, start, event, attributes, error)

    def _end_turn(self, end: Event) -> None:
        if self._turn is None:
            return
        start, _ = self._turn
        self._turn = None
        attributes = {"gen_ai.operation.name": "invoke_agent", "vtcode.turn": start.payload.get("turn")}
        self._add(f"turn {start.payload.get('turn', '')}", _INTERNAL, start, end, attributes, parent=False)

    def _add(self, name: str, kind: int, start: Event, end: Event, attributes: dict[str, Any],
             error: str | None = None, *, parent: bool = True) -> None:
        parent_id = self._turn[1] if parent and self._turn is not None else None
        kept = {key: value for key, value in attributes.items() if value is not None and value != ""}
        self.done.append(FinishedSpan(name, kind, span_id(start.id), parent_id, unix_nanos(start.ts),
                                      unix_nanos(end.ts), kept, error))


def export_request(
    spans: list[FinishedSpan], session: str, resource: dict[str, str]
) -> ExportTraceServiceRequest:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import InstrumentationScope
    from opentelemetry.proto.resource.v1.resource_pb2 import Resource
    from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

    from .encode import SCOPE_NAME, SCOPE_VERSION, kv

    trace = trace_id(session)
    messages = []
    for span in spans:
        attributes = []
        for key, value in span.attributes.items():
            attributes.append(kv(key, value if isinstance(value, bool | int | float | str) else str(value)))
        status = Status(code=_ERROR, message=span.error) if span.error else Status(code=_OK)  # type: ignore[arg-type]
        messages.append(Span(trace_id=trace, span_id=span.span_id, parent_span_id=span.parent or b"",
                             name=span.name, kind=span.kind,  # type: ignore[arg-type]
                             start_time_unix_nano=span.start, end_time_unix_nano=max(span.end, span.start),
                             attributes=attributes, status=status))
    scope = InstrumentationScope(name=SCOPE_NAME, version=SCOPE_VERSION)
    resource_message = Resource(attributes=[kv(key, value) for key, value in resource.items()])
    scoped = ScopeSpans(scope=scope, spans=messages)
    resource_spans = ResourceSpans(resource=resource_message, scope_spans=[scoped])
    return ExportTraceServiceRequest(resource_spans=[resource_spans])
