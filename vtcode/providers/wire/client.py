"""One OpenAI-compatible server: GET JSON, and POST /chat/completions streamed or not."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from vtcode_hookspecs import ChatChunk, ChatRequest, ProviderError, ProviderSettings

from .errors import http_error, transport_error
from .sse import StreamAssembler, decode_event, iter_sse_data, request_body
from .transport import Connection, Response, TransportError

ERROR_BODY_BYTES = 64 * 1024  # of an error answer: enough for its message
LINE_SLACK = 64 * 1024  # JSON framing around a reply's text in one SSE line or a whole answer
BYTES_PER_TOKEN_CAP = 16  # a token is ~4 bytes; a reply 4x past its max_tokens is not a model's
MIN_REPLY_BYTES = 1 << 20
MAX_REPLY_BYTES = 32 << 20


def reply_cap(max_tokens: int | None) -> int:
    """Bytes of one reply (text, reasoning and tool-call arguments together) read before it is cut off:
    a server streaming past what the request allowed is stopped, never buffered whole."""
    if max_tokens is None:
        return MAX_REPLY_BYTES
    return min(MAX_REPLY_BYTES, max(MIN_REPLY_BYTES, BYTES_PER_TOKEN_CAP * max_tokens))


class OpenAIWire:
    """A client for one base URL. `label` names the server in errors; `hint` says what to do when
    nothing answers (e.g. how to start LM Studio); `auth_hint`, what to do when it refuses the key (a
    callable: the advice may depend on whether a key was sent)."""

    def __init__(
        self,
        settings: ProviderSettings,
        base_url: str,
        *,
        label: str,
        hint: str = "",
        auth_hint: Callable[[], str] | None = None,
    ) -> None:
        self.settings = settings
        self.base_url = base_url.rstrip("/")
        self.label = label
        self.hint = hint
        self.auth_hint = auth_hint
        self._connection: Connection | None = None

    @property
    def secret(self) -> str | None:
        return self.settings.api_key.get_secret_value() if self.settings.api_key else None

    def connection(self) -> Connection:
        if self._connection is None:
            self._connection = self._open(self.settings.timeout_s)
        return self._connection

    def _open(self, read_timeout_s: float) -> Connection:
        headers = {"Accept": "application/json", **self.settings.headers}
        if self.secret:
            headers["Authorization"] = f"Bearer {self.secret}"
        return Connection(
            self.base_url,
            headers=headers,
            connect_timeout_s=self.settings.connect_timeout_s,
            read_timeout_s=read_timeout_s,
        )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def get_json(self, url: str) -> Any:
        try:
            with self.connection().request("GET", url) as response:
                body = response.read()  # capped at MAX_BODY_BYTES
        except TransportError as exc:
            raise self._transport(exc, url) from None
        if response.status != 200:
            raise self._refused(response, body, url, model=None)
        return self._json(body, url)

    def post_json(self, url: str, payload: Any, *, read_timeout_s: float | None = None) -> Any:
        """POST a JSON body, return the JSON answer. With `read_timeout_s`, on a connection of its own
        with that read timeout (a model load may take minutes; chat keeps its own timeout)."""
        data = json.dumps(payload, separators=(",", ":")).encode()
        connection = self.connection() if read_timeout_s is None else self._open(read_timeout_s)
        try:
            with connection.request("POST", url, data) as response:
                body = response.read()
        except TransportError as exc:
            raise self._transport(exc, url, read_timeout_s) from None
        finally:
            if connection is not self._connection:
                connection.close()
        if response.status != 200:
            raise self._refused(response, body, url, model=None)
        return self._json(body, url)

    def chat(self, request: ChatRequest, *, stream: bool = True) -> Iterator[ChatChunk]:
        url = f"{self.base_url}/chat/completions"
        body = request_body(
            request, stream=stream, stream_usage=self.settings.options.get("stream_usage", True)
        )
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        try:
            with self.connection().request("POST", url, data) as response:
                if response.status != 200:
                    raise self._refused(response, response.read(ERROR_BODY_BYTES), url, model=request.model)
                cap = reply_cap(request.max_tokens)
                if stream and response.headers.get("content-type", "").startswith("text/event-stream"):
                    yield from self._stream(response, url, cap)
                else:  # a server may ignore `stream`; a whole answer is a stream of one event
                    yield from self._whole(response, url, cap)
        except TransportError as exc:
            raise self._transport(exc, url) from None

    def _stream(self, response: Response, url: str, cap: int) -> Iterator[ChatChunk]:
        assembler = StreamAssembler(max_bytes=cap)
        for data in iter_sse_data(response.iter_lines(max_line=cap + LINE_SLACK), max_event=cap + LINE_SLACK):
            if data.strip() == "[DONE]":
                assembler.done = True
                break
            yield from assembler.feed(decode_event(data))
        if not assembler.done and assembler.finish_reason is None:
            raise ProviderError(
                f"the stream from {self.label} at {url} ended before the answer did (no [DONE])",
                kind="connection",
            )
        yield from assembler.finish()

    def _whole(self, response: Response, url: str, cap: int) -> Iterator[ChatChunk]:
        event = self._json(response.read(cap + LINE_SLACK), url)
        assembler = StreamAssembler(max_bytes=cap)
        yield from assembler.feed(event if isinstance(event, dict) else {})
        yield from assembler.finish()

    def _json(self, body: bytes, url: str) -> Any:
        try:
            return json.loads(body)
        except ValueError:
            raise ProviderError(
                f"{self.label} at {url} answered with something that is not JSON", kind="protocol"
            ) from None

    def _refused(self, response: Response, body: bytes, url: str, *, model: str | None) -> ProviderError:
        return http_error(
            response.status,
            body,
            url=url,
            model=model,
            label=self.label,
            headers=response.headers,
            secret=self.secret,
            auth_hint=self.auth_hint() if self.auth_hint is not None else None,
        )

    def _transport(self, exc: TransportError, url: str, timeout_s: float | None = None) -> ProviderError:
        return transport_error(
            exc, url=url, label=self.label, timeout_s=timeout_s or self.settings.timeout_s, hint=self.hint
        )
