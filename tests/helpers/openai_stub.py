"""An OpenAI-compatible server on 127.0.0.1 with scripted replies, for provider and agent tests.

    from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply, dead_url

    script = [Reply(tool_calls=[ToolCallReply("read_file", {"path": "a.py"})]), Reply(text="done")]
    with OpenAIStub(script) as stub:
        ...  # point a provider at stub.base_url ("http://127.0.0.1:PORT/v1")
        assert stub.chat_requests[0]["tools"][0]["function"]["name"] == "read_file"

Each POST /v1/chat/completions takes the next `Reply` of the script (then `default`; with no default, a
500 saying the script ran out). It streams when the request says `"stream": true` (SSE, chunked: text,
reasoning and each tool call's arguments split into `piece`-character deltas, usage in a last event when
`stream_options.include_usage`), else answers one JSON object. Failures are replies too:
`Reply.error(500)`, `Reply.rate_limited(retry_after=1)`, `Reply(drop_after=2)` (the connection is cut
after two events), `Reply(delay_s=5)` (for timeouts), `Reply(malformed=True)`.
GET /v1/models lists `models`; GET /api/v0/models answers like LM Studio when `lmstudio_models` is set.
`routes[(method, path)]` answers any other request (helpers/lmstudio_stub.py serves LM Studio's REST API so).
Every request is captured in `.requests` (method, path, headers, body; `.json`).
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ToolCallReply:
    name: str
    arguments: str | dict[str, Any] = field(default_factory=dict)
    id: str | None = None

    def arguments_text(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


@dataclass
class Reply:
    text: str = ""
    reasoning: str = ""
    tool_calls: list[ToolCallReply] = field(default_factory=list)
    finish_reason: str | None = None  # default: "tool_calls" when there are any, else "stop"
    usage: tuple[int, int] | None = (12, 7)  # (prompt_tokens, completion_tokens)
    piece: int = 4  # characters per streamed delta
    interleave: bool = False  # alternate argument fragments of several tool calls
    status: int = 200
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the status line: a client's read timeout fires here
    drop_after: int | None = None  # stream: cut the connection after this many SSE events
    malformed: bool = False  # stream: send an event that is not JSON
    omit_index: bool = False  # stream: tool-call deltas without "index" (some servers do this)
    interval_s: float = 0.0  # stream: pause between SSE events (a model's pace: 0.005 is 200 deltas/s)

    @classmethod
    def failure(cls, status: int, message: str = "stub failure", **headers: str) -> Reply:
        return cls(status=status, error=message, headers=headers)

    @classmethod
    def rate_limited(cls, retry_after: float = 1) -> Reply:
        return cls(status=429, error="rate limited", headers={"Retry-After": f"{retry_after:g}"})


@dataclass
class Captured:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


Route = Callable[["Captured"], tuple[int, Any]]


class OpenAIStub:
    def __init__(
        self,
        script: list[Reply] | None = None,
        *,
        default: Reply | None = None,
        models: list[str | dict[str, Any]] | None = None,
        lmstudio_models: list[dict[str, Any]] | None = None,
        api_key: str | None = None,
        close_after_reply: bool = False,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.script = list(script or [])
        # Close each connection after its reply without saying so (no `Connection: close`), as a server
        # whose keep-alive timed out does: the client finds out on its next request.
        self.close_after_reply = close_after_reply
        self.connections = 0  # TCP connections accepted
        self.tls = tls  # a server-side context: the stub speaks https
        self.default = default
        self.models = models if models is not None else ["stub-model"]
        self.lmstudio_models = lmstudio_models
        self.api_key = api_key
        self.requests: list[Captured] = []
        self.routes: dict[tuple[str, str], Route] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- what tests read ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "use OpenAIStub as a context manager"
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests if r.path.endswith("/chat/completions")]

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    # -- lifecycle ------------------------------------------------------------------------------------

    def __enter__(self) -> OpenAIStub:
        stub = self

        class Handler(_Handler):
            owner = stub

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def next_reply(self) -> Reply:
        with self._lock:
            if self.script:
                return self.script.pop(0)
        return self.default or Reply.failure(500, "openai stub: the script ran out of replies")


def dead_url() -> str:
    """A /v1 URL on a 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


class _Handler(BaseHTTPRequestHandler):
    owner: OpenAIStub
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        with self.owner._lock:
            self.owner.connections += 1
        # Many small SSE writes: without this, Nagle + delayed ACKs add ~40 ms stalls at random.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self) -> None:
        # The client may give up first (a timeout test): expected, not worth a traceback.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()

    def _capture(self) -> Captured:
        length = int(self.headers.get("Content-Length") or 0)
        captured = Captured(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
        )
        self.owner.requests.append(captured)
        return captured

    def _authorized(self) -> bool:
        if self.owner.api_key is None or self.headers.get("Authorization") == f"Bearer {self.owner.api_key}":
            return True
        self._json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
        return False

    def _routed(self, captured: Captured) -> bool:
        route = self.owner.routes.get((self.command, self.path))
        if route is None:
            return False
        status, body = route(captured)
        self._json(status, body)
        return True

    def do_GET(self) -> None:
        captured = self._capture()
        if not self._authorized() or self._routed(captured):
            return
        if self.path == "/v1/models":
            data = [m if isinstance(m, dict) else {"id": m} for m in self.owner.models]
            self._json(
                200, {"object": "list", "data": [{"object": "model", "owned_by": "stub", **m} for m in data]}
            )
        elif self.path == "/api/v0/models" and self.owner.lmstudio_models is not None:
            self._json(200, {"object": "list", "data": self.owner.lmstudio_models})
        else:
            self._json(404, {"error": f"Unexpected endpoint or method. ({self.command} {self.path})"})

    def do_POST(self) -> None:
        captured = self._capture()
        if not self._authorized() or self._routed(captured):
            return
        request = captured.json or {}
        if self.path != "/v1/chat/completions":
            self._json(404, {"error": f"Unexpected endpoint or method. ({self.command} {self.path})"})
            return
        reply = self.owner.next_reply()
        if self.owner.close_after_reply:
            self.close_connection = True
        if reply.delay_s:
            time.sleep(reply.delay_s)
        if reply.status != 200:
            self._json(
                reply.status, {"error": {"message": reply.error or "error", "type": "stub"}}, reply.headers
            )
        elif request.get("stream"):
            self._stream(reply, request)
        else:
            self._json(200, _whole(reply, request.get("model", "")), reply.headers)

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, reply: Reply, request: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        usage = bool((request.get("stream_options") or {}).get("include_usage"))
        paced = time.monotonic()
        for sent, event in enumerate(_events(reply, request.get("model", ""), usage)):
            if reply.drop_after is not None and sent >= reply.drop_after:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)  # no closing chunk: the client sees a cut
                self.close_connection = True
                return
            self._chunk(event)
            if reply.interval_s:  # paced against the clock, so sleep overshoot does not slow the rate
                time.sleep(max(0.0, paced + (sent + 1) * reply.interval_s - time.monotonic()))
        self._chunk(b"")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] if text else []


def _frame(model: str, delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> bytes:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    body = {
        "id": "chatcmpl-stub",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": choices,
        **extra,
    }
    return f"data: {json.dumps(body)}\n\n".encode()


def _call_id(reply: Reply, index: int) -> str:
    return reply.tool_calls[index].id or f"call_stub_{index}"


def _events(reply: Reply, model: str, usage: bool) -> Iterator[bytes]:
    yield _frame(model, {"role": "assistant", "content": ""})
    for piece in _pieces(reply.reasoning, reply.piece):
        yield _frame(model, {"reasoning_content": piece})
    for piece in _pieces(reply.text, reply.piece):
        yield _frame(model, {"content": piece})
    if reply.malformed:
        yield b"data: {not json\n\n"
    fragments: list[list[dict[str, Any]]] = []
    for index, call in enumerate(reply.tool_calls):
        head = {
            "index": index,
            "id": _call_id(reply, index),
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        tail = [
            {"index": index, "function": {"arguments": p}}
            for p in _pieces(call.arguments_text(), reply.piece)
        ]
        fragments.append([head, *tail])
    order = _interleaved(fragments) if reply.interleave else [f for call in fragments for f in call]
    for fragment in order:
        if reply.omit_index:
            fragment = {k: v for k, v in fragment.items() if k != "index"}
        yield _frame(model, {"tool_calls": [fragment]})
    yield _frame(model, {}, reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop"))
    if usage and reply.usage:
        yield _frame(model, None, usage=_usage(reply))
    yield b"data: [DONE]\n\n"


def _interleaved(fragments: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every call's head first, then argument fragments round-robin: calls arrive mixed together."""
    rest = [list(call[1:]) for call in fragments]
    mixed = [call[0] for call in fragments]
    while any(rest):
        mixed += [r.pop(0) for r in rest if r]
    return mixed


def _usage(reply: Reply) -> dict[str, int]:
    prompt, completion = reply.usage or (0, 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _whole(reply: Reply, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.reasoning:
        message["reasoning_content"] = reply.reasoning
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": _call_id(reply, i),
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments_text()},
            }
            for i, c in enumerate(reply.tool_calls)
        ]
    body: dict[str, Any] = {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop"),
            }
        ],
    }
    if reply.usage:
        body["usage"] = _usage(reply)
    return body
