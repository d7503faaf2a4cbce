"""The otlp sink: buffers what the bus hands it and posts it in batches, with retries.

The bus runs it on a thread of its own with a bounded buffer (vtcode/events/worker.py): a slow or dead
collector never stalls the agent and never touches the local audit log. `emit` only buffers; `flush`
posts chunks of `batch_size` and keeps whatever the collector did not take, so the bus retries later
(with its own backoff) without losing or repeating an accepted record. Every failure raises, which the
bus records as an `error` event in the audit log; OTLP's retryable answers (429, 502, 503, 504 and no
answer at all) are first retried here, after `Retry-After` when the collector gives one.
"""

from __future__ import annotations

import os
import time
from importlib import metadata
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from vtcode_hookspecs import Event, SinkSettings

from vtcode.api import InvariantError

from .encode import export_request
from .options import OtlpOptions
from .spans import SpanBuilder
from .spans import export_request as export_spans

if TYPE_CHECKING:
    import httpx

# OTLP/HTTP: these answers mean "try again later"; any other failure is reported and retried by the bus.
RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
_CONTENT_TYPE = {"http/protobuf": "application/x-protobuf", "http/json": "application/json"}


class DeliveryError(Exception):
    """The collector refused or could not be reached; the records not taken stay buffered."""


class OtlpSink:
    name = "otlp"
    delivery = "queued"

    def __init__(self) -> None:
        self._pending: list[Event] = []
        self._client: httpx.Client | None = None
        self.options: OtlpOptions | None = None
        self.resource: dict[str, str] = {}
        self._headers: dict[str, str] = {}
        self._rejecting = False  # within a run of partially rejected exports (reported once)
        self._rejected_unreported = 0
        self._spans = SpanBuilder()
        self._session = ""

    def configure(self, settings: SinkSettings) -> None:
        try:
            options = OtlpOptions.model_validate(settings.options)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "options"
            raise ValueError(f"[events.sinks.otlp] {where}: {first['msg']}") from exc
        try:
            import opentelemetry.proto.collector.logs.v1.logs_service_pb2  # noqa: F401
        except ImportError as exc:
            raise ValueError(
                "the otlp sink needs the opentelemetry-proto package: pip install 'vtcode[otlp]'"
            ) from exc
        headers = dict(options.headers)
        for header, env in options.headers_env.items():
            value = os.environ.get(env)
            if not value:
                raise ValueError(f"[events.sinks.otlp] headers_env.{header}: the environment variable {env} "
                                 "is not set")
            headers[header] = value
        headers["Content-Type"] = _CONTENT_TYPE[options.protocol]
        self._headers = headers
        # The configured attributes first: vtcode's own (who, where, which session) cannot be overridden.
        self.resource = {
            **options.resource_attributes,
            "service.name": "vtcode",
            "service.version": _version(),
            "host.name": settings.host,
            "user.name": settings.user,
            "session.id": settings.session,
        }
        import httpx

        self._client = httpx.Client(timeout=options.timeout_s, verify=options.verify_tls)
        self.options = options
        self._session = settings.session

    def emit(self, event: Event) -> None:
        self._pending.append(event)
        if self.options is not None and self.options.traces:
            self._spans.see(event)

    def flush(self) -> None:
        options = self._options()
        while self._pending:
            chunk = self._pending[: options.batch_size]
            rejected, message = self._export(chunk)
            del self._pending[: len(chunk)]
            self._note_rejections(rejected, message, chunk)
        while self._spans.done:
            spans = self._spans.done[: options.batch_size]
            request = export_spans(spans, self._session, self.resource)
            self._post(options.traces_url, request, f"{len(spans)} spans")
            del self._spans.done[: len(spans)]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- internals ------------------------------------------------------------------------------------

    def _export(self, chunk: list[Event]) -> tuple[int, str]:
        """Post one chunk of log records; (records the collector rejected for good, its message)."""
        options = self._options()
        request = export_request(chunk, self.resource, observed=time.time_ns())
        first, last = chunk[0].seq, chunk[-1].seq
        return self._post(options.logs_url, request, f"events seq {first}..{last}")

    def _post(self, url: str, request: Any, what: str) -> tuple[int, str]:
        """Post one export until the collector takes it; (records it rejected for good, its message)."""
        options = self._options()
        if self._client is None:
            raise InvariantError("self._client is unset here (a bug)")
        import httpx

        body = _encode(request, options.protocol)
        problem = ""
        for attempt in range(options.retries + 1):
            try:
                response = _post_bounded(self._client, url, body, self._headers, options.timeout_s)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
                wait = options.backoff_s * 2**attempt
            else:
                if response.status_code == 200:
                    return _partial_success(response, options.protocol)
                problem = f"HTTP {response.status_code}: {' '.join(response.text[:200].split())}"
                if response.status_code not in RETRYABLE_STATUS:
                    break  # a refusal: retried later by the bus, reported now
                wait = _retry_after(response, options.backoff_s * 2**attempt, options.max_retry_after_s)
            if attempt < options.retries:
                time.sleep(wait)
        raise DeliveryError(
            f"otlp: {url}: {problem} ({what} kept for a later try; the events are in the audit log)"
        )

    def _note_rejections(self, rejected: int, message: str, chunk: list[Event]) -> None:
        """A partial success is reported once per run of them, and the run's total when it ends: a
        collector that rejects some record of every export must not make each report a new rejection."""
        if rejected:
            if self._rejecting:
                self._rejected_unreported += rejected
                return
            self._rejecting = True
            raise DeliveryError(
                f"otlp: the collector rejected {rejected} of {len(chunk)} log records (seq "
                f"{chunk[0].seq}..{chunk[-1].seq}): {message or 'no reason given'}; they are in the audit log"
            )
        if self._rejecting:
            self._rejecting, unreported = False, self._rejected_unreported
            self._rejected_unreported = 0
            if unreported:
                raise DeliveryError(f"otlp: the collector rejected {unreported} more log records before it "
                                    "took a whole export again; they are in the audit log")

    def _options(self) -> OtlpOptions:
        if self.options is None:
            raise RuntimeError("the otlp sink was not configured ([events.sinks.otlp])")
        return self.options


RESPONSE_CAP = 64 * 1024  # bytes of a collector's answer read; OTLP answers are a few hundred bytes


def _post_bounded(client: httpx.Client, url: str, body: bytes, headers: dict[str, str],
                  timeout_s: float) -> httpx.Response:
    """POST, then read at most RESPONSE_CAP bytes of the answer within timeout_s overall: httpx's timeout
    is per read, so a collector dripping an endless body would otherwise hold the sink (and its memory)
    forever. The status decides; an answer cut short is parsed as far as it goes (a 200 whose body cannot
    be read as OTLP says the records were taken)."""
    import httpx

    deadline = time.monotonic() + timeout_s
    asked = {"Accept-Encoding": "identity", **headers}  # an answer cut at the cap stays readable
    with client.stream("POST", url, content=body, headers=asked) as response:
        kept = bytearray()
        for chunk in response.iter_raw():
            kept += chunk
            if len(kept) >= RESPONSE_CAP or time.monotonic() > deadline:
                break
        plain = {k: v for k, v in response.headers.items()
                 if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")}
        return httpx.Response(response.status_code, headers=plain, content=bytes(kept[:RESPONSE_CAP]),
                              request=response.request)


def _encode(request: Any, protocol: str) -> bytes:
    if protocol != "http/json":
        return bytes(request.SerializeToString())
    import json

    from google.protobuf import json_format

    data = json_format.MessageToDict(request, use_integers_for_enums=True)
    return json.dumps(_hex_ids(data), separators=(",", ":")).encode()


_ID_KEYS = frozenset({"traceId", "spanId", "parentSpanId"})


def _hex_ids(node: Any) -> Any:
    """OTLP/JSON writes trace and span ids as hex, where protobuf's JSON mapping writes bytes as base64."""
    import base64

    if isinstance(node, dict):
        return {k: base64.b64decode(v).hex() if k in _ID_KEYS and isinstance(v, str) else _hex_ids(v)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_hex_ids(item) for item in node]
    return node


def _partial_success(response: httpx.Response, protocol: str) -> tuple[int, str]:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse

    answer = ExportLogsServiceResponse()
    try:
        if "json" in response.headers.get("content-type", _CONTENT_TYPE[protocol]):
            from google.protobuf import json_format

            if response.content.strip():
                json_format.Parse(response.content, answer, ignore_unknown_fields=True)
        else:
            answer.ParseFromString(response.content)
    except Exception:  # an answer that is not OTLP: the 200 says the records were taken
        return 0, ""
    partial = answer.partial_success
    return int(partial.rejected_log_records), partial.error_message


def _retry_after(response: httpx.Response, default: float, cap: float) -> float:
    value = response.headers.get("retry-after", "")
    try:
        return min(max(float(value), 0.0), cap)
    except ValueError:
        return min(default, cap)


def _version() -> str:
    try:
        return metadata.version("vtcode")
    except metadata.PackageNotFoundError:
        return "unknown"
