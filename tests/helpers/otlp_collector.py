"""An OTLP/HTTP logs receiver on 127.0.0.1 that decodes with the OpenTelemetry project's own message
classes (`opentelemetry-proto`): protobuf bodies with `ParseFromString`, JSON bodies with protobuf's
`json_format` (OTLP/JSON is the proto3 JSON mapping). Answers come from a script of
(status, headers, ExportLogsServiceResponse | None), then 200 with an empty response.

    with collector() as otlp:
        ...  # configure the sink with endpoint=otlp.url
        otlp.records()  # [(resource attributes, LogRecord)] of every accepted export, in order
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from helpers.http_receiver import serving


@dataclass
class Export:
    path: str
    content_type: str
    headers: dict[str, str]
    request: Any  # ExportLogsServiceRequest, or ExportTraceServiceRequest for /v1/traces
    status: int


@dataclass
class Collector:
    url: str = ""
    exports: list[Export] = field(default_factory=list)
    script: list[tuple[int, dict[str, str], ExportLogsServiceResponse | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self) -> list[Export]:
        with self.lock:
            return [e for e in self.exports if e.status == 200 and e.path.endswith("/v1/logs")]

    def spans(self) -> list[Span]:
        with self.lock:
            exports = [e for e in self.exports if e.status == 200 and e.path.endswith("/v1/traces")]
        return [span for e in exports for rs in e.request.resource_spans for ss in rs.scope_spans
                for span in ss.spans]

    def records(self) -> list[tuple[dict[str, Any], LogRecord]]:
        found = []
        for export in self.accepted():
            for resource_logs in export.request.resource_logs:
                resource = attributes(resource_logs.resource.attributes)
                for scope_logs in resource_logs.scope_logs:
                    found += [(resource, record) for record in scope_logs.log_records]
        return found


def value(any_value: AnyValue) -> Any:
    kind = any_value.WhichOneof("value")
    return None if kind is None else getattr(any_value, kind)


def attributes(pairs: Any) -> dict[str, Any]:
    return {pair.key: value(pair.value) for pair in pairs}


def _ids_to_base64(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: base64.b64encode(bytes.fromhex(v)).decode() if k in _IDS else _ids_to_base64(v)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_ids_to_base64(item) for item in node]
    return node


_IDS = frozenset({"traceId", "spanId", "parentSpanId"})


@contextmanager
def collector() -> Iterator[Collector]:
    state = Collector()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            content_type = self.headers.get("Content-Type", "")
            traces = self.path.endswith("/v1/traces")
            request: Any = ExportTraceServiceRequest() if traces else ExportLogsServiceRequest()
            if content_type == "application/json":
                # OTLP/JSON is protobuf's JSON mapping but for trace and span ids, written as hex
                json_format.ParseDict(_ids_to_base64(json.loads(body)), request)  # strict: unknown keys fail
            else:
                request.ParseFromString(body)
            with state.lock:
                status, headers, answer = state.script.pop(0) if state.script else (200, {}, None)
                state.exports.append(
                    Export(self.path, content_type, {k.lower(): v for k, v in self.headers.items()},
                           request, status)
                )
            answer = answer or ExportLogsServiceResponse()
            data = (json_format.MessageToJson(answer).encode() if content_type == "application/json"
                    else answer.SerializeToString())
            self.send_response(status)
            self.send_header("Content-Type", content_type or "application/x-protobuf")
            for key, val in headers.items():
                self.send_header(key, val)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler) as url:
        state.url = url
        yield state
