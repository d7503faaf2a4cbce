"""One OpenAI-compatible server: GET JSON, and POST /chat/completions streamed or not."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from vtcode_hookspecs import ChatChunk, ChatRequest, ProviderError, ProviderSettings

from .errors import http_error, transport_error
from .sse import StreamAssembler, decode_event, iter_sse_data, request_body

if TYPE_CHECKING:
    import ssl

    import httpx  # imported on first request: `vtcode --version` and `plugins list` never pay for it


def import_httpx() -> types.ModuleType:
    """httpx without the parts vtcode never uses: `httpx._main` (its console script: rich and pygments)
    and h2 (HTTP/2, off in every client here; installed whenever litellm is). Together ~50 ms of every
    start. httpx and httpcore fall back to stubs when those imports fail, so they are made to fail once,
    then forgotten (a later explicit import of either works as usual). httpcore is imported here too:
    httpx only imports it when the first client is built, which would bring h2 back."""
    if "httpx" in sys.modules:
        return sys.modules["httpx"]
    blocked = [name for name in ("httpx._main", "h2") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # None: "this import fails"
    try:
        import httpcore  # noqa: F401  # its connection pool is what imports h2
        import httpx
    finally:
        for name in blocked:
            if sys.modules.get(name, "") is None:
                del sys.modules[name]
    return httpx


def _tls_context(base_url: str) -> ssl.SSLContext | bool:
    """Verified TLS with the CA bundle for https; for a plain-http server (a local model) a context with
    no CA at all: loading the bundle costs ~50 ms of every start, and a context that trusts nothing
    fails closed should anything ever try TLS through it (redirects are not followed anyway)."""
    if urlsplit(base_url).scheme.lower() == "http":
        import ssl

        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verify_mode CERT_REQUIRED, hostname checked
    return True


class OpenAIWire:
    """A client for one base URL. `label` names the server in errors; `hint` says what to do when
    nothing answers (e.g. how to start LM Studio)."""

    def __init__(self, settings: ProviderSettings, base_url: str, *, label: str, hint: str = "") -> None:
        self.settings = settings
        self.base_url = base_url.rstrip("/")
        self.label = label
        self.hint = hint
        self._client: httpx.Client | None = None

    @property
    def secret(self) -> str | None:
        return self.settings.api_key.get_secret_value() if self.settings.api_key else None

    def client(self) -> httpx.Client:
        if self._client is None:
            httpx = import_httpx()
            headers = {"Accept": "application/json", **self.settings.headers}
            if self.secret:
                headers["Authorization"] = f"Bearer {self.secret}"
            timeout = httpx.Timeout(self.settings.timeout_s, connect=self.settings.connect_timeout_s)
            # trust_env=False: proxies and netrc from the environment could send prompts elsewhere.
            self._client = httpx.Client(
                headers=headers, timeout=timeout, trust_env=False, verify=_tls_context(self.base_url)
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def get_json(self, url: str) -> Any:
        httpx = import_httpx()
        try:
            response = self.client().get(url)
        except httpx.HTTPError as exc:
            raise self._transport(exc, url) from None
        if response.status_code != 200:
            raise http_error(
                response.status_code,
                response.content,
                url=url,
                model=None,
                label=self.label,
                headers=dict(response.headers),
                secret=self.secret,
            )
        try:
            return response.json()
        except ValueError:
            raise ProviderError(
                f"{self.label} at {url} answered with something that is not JSON", kind="protocol"
            ) from None

    def chat(self, request: ChatRequest, *, stream: bool = True) -> Iterator[ChatChunk]:
        httpx = import_httpx()
        url = f"{self.base_url}/chat/completions"
        body = request_body(
            request, stream=stream, stream_usage=self.settings.options.get("stream_usage", True)
        )
        try:
            with self.client().stream("POST", url, json=body) as response:
                if response.status_code != 200:
                    raise http_error(
                        response.status_code,
                        response.read(),
                        url=url,
                        model=request.model,
                        label=self.label,
                        headers=dict(response.headers),
                        secret=self.secret,
                    )
                if stream and response.headers.get("content-type", "").startswith("text/event-stream"):
                    yield from self._stream(response, url)
                else:  # a server may ignore `stream`; a whole answer is a stream of one event
                    yield from self._whole(response, url)
        except httpx.HTTPError as exc:
            raise self._transport(exc, url) from None

    def _stream(self, response: httpx.Response, url: str) -> Iterator[ChatChunk]:
        assembler = StreamAssembler()
        for data in iter_sse_data(response.iter_lines()):
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

    def _whole(self, response: httpx.Response, url: str) -> Iterator[ChatChunk]:
        raw = response.read()
        try:
            event = json.loads(raw)
        except ValueError:
            raise ProviderError(
                f"{self.label} at {url} answered with something that is not JSON", kind="protocol"
            ) from None
        assembler = StreamAssembler()
        yield from assembler.feed(event if isinstance(event, dict) else {})
        yield from assembler.finish()

    def _transport(self, exc: Exception, url: str) -> ProviderError:
        return transport_error(
            exc, url=url, label=self.label, timeout_s=self.settings.timeout_s, hint=self.hint
        )
