"""A model server on 127.0.0.1 that misbehaves on purpose: silence, keep-alive comments only, endless text,
endless tool-call arguments, endless tool calls with huge names, a line that never ends, an event whose
data lines never end: for the tests and the bench that hold vtcode to its
bounds.

    with HostileServer("text", total=1 << 30) as server:
        ...  # point vtcode at server.base_url; server.sent says how many bytes went out

Every mode streams until `total` bytes were sent, the client hangs up, or `seconds` pass.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

CHUNK = 64 * 1024


class HostileServer:
    def __init__(self, mode: str, *, total: int = 1 << 30, seconds: float = 120.0) -> None:
        if mode not in ("silent", "keepalive", "comments", "text", "arguments", "line", "ok", "names",
                        "datalines"):
            raise ValueError(mode)
        self.mode = mode
        self.total = total
        self.seconds = seconds
        self.sent = 0
        self.finished = threading.Event()  # the stream ended (client gone, total sent or time up)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # /v1/models
                body = json.dumps({"data": [{"id": "stub-model"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    owner._stream(self.wfile)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    owner.finished.set()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def _stream(self, out: Any) -> None:
        end = time.monotonic() + self.seconds
        if self.mode == "silent":  # headers, then nothing
            while time.monotonic() < end:
                time.sleep(0.1)
            return
        if self.mode == "keepalive":
            while time.monotonic() < end and self.sent < self.total:
                self._write(out, b": keep-alive\n\n")
                time.sleep(0.1)
            return
        if self.mode == "ok":  # a well-behaved short answer: the baseline
            self._write(out, b'data: {"choices":[{"index":0,"delta":{"content":"ok"}}]}\n\n')
            self._write(out, b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n')
            self._write(out, b"data: [DONE]\n\n")
            return
        if self.mode == "comments":  # `total` bytes of SSE comments as fast as they go, then an answer
            block = (b": " + b"k" * 4000 + b"\n\n") * 16
            while time.monotonic() < end and self.sent < self.total:
                self._write(out, block)
            self._write(out, b'data: {"choices":[{"index":0,"delta":{"content":"ok"}}]}\n\n')
            self._write(out, b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n')
            self._write(out, b"data: [DONE]\n\n")
            return
        if self.mode == "line":  # one `data:` line that never ends
            self._write(out, b'data: {"choices":[{"index":0,"delta":{"content":"')
            block = b"x" * CHUNK
            while time.monotonic() < end and self.sent < self.total:
                self._write(out, block)
            return
        if self.mode == "datalines":  # one event of short `data:` lines that never ends
            block = b"data: " + b"x" * 1000 + b"\n"
            block *= CHUNK // len(block) + 1
            while time.monotonic() < end and self.sent < self.total:
                self._write(out, block)
            return
        if self.mode == "names":  # a new tool call per event, each with a 60 KB name and id
            index = 0
            while time.monotonic() < end and self.sent < self.total:
                event = {"choices": [{"index": 0, "delta": {"tool_calls": [
                    {"index": index, "id": "i" * 4000, "type": "function",
                     "function": {"name": "n" * 60_000, "arguments": ""}}]}}]}
                self._write(out, b"data: " + json.dumps(event).encode() + b"\n\n")
                index += 1
            self._write(out, b"data: [DONE]\n\n")
            return
        if self.mode == "text":
            piece = "x" * 4000
            event = {"choices": [{"index": 0, "delta": {"content": piece}}]}
        else:
            first = {"choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 0, "id": "call_1", "type": "function",
                 "function": {"name": "write_file", "arguments": '{"path": "a.txt", "content": "'}}]}}]}
            self._write(out, b"data: " + json.dumps(first).encode() + b"\n\n")
            event = {"choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 0, "function": {"arguments": "x" * 4000}}]}}]}
        line = b"data: " + json.dumps(event).encode() + b"\n\n"
        block = line * (CHUNK // len(line) + 1)
        while time.monotonic() < end and self.sent < self.total:
            self._write(out, block)
        self._write(out, b"data: [DONE]\n\n")

    def _write(self, out: Any, data: bytes) -> None:
        out.write(data)
        out.flush()
        self.sent += len(data)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
