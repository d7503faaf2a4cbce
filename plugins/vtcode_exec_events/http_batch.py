"""What the SIEM sinks share: options, a token from the environment, batching, retry with backoff.

The bus runs these sinks on a thread of their own and calls `emit` for a batch of events, then `flush`.
`emit` only buffers; `flush` posts in chunks of `batch_size` and keeps whatever was not accepted, so the
bus can call it again later (after its own backoff) without losing or repeating an accepted event.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from vtcode_hookspecs import Event

from vtcode.api import InvariantError

if TYPE_CHECKING:
    import httpx  # imported when a SIEM sink is configured: start-up never pays for it

RETRIED_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class HttpOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(pattern=r"^https?://")
    token_env: str | None = None
    batch_size: int = Field(default=100, ge=1, le=10_000)
    timeout_s: float = Field(default=5.0, gt=0, le=300)
    retries: int = Field(default=3, ge=0, le=20)
    backoff_s: float = Field(default=0.5, ge=0, le=60)
    verify_tls: bool = True


class DeliveryError(Exception):
    """The receiver refused or could not be reached; the events stay buffered."""


class HttpBatchSink:
    """Base of splunk-hec and elastic: subclasses say how a chunk is encoded and what a success is."""

    name = "http"
    options_model: type[HttpOptions] = HttpOptions
    default_token_env: str | None = None

    def __init__(self) -> None:
        self._pending: list[Event] = []
        self._client: httpx.Client | None = None
        self.options: HttpOptions | None = None
        self.token: str | None = None
        self.host = ""
        self.user = ""

    def configure_options(self, raw: dict[str, Any], *, host: str = "", user: str = "") -> None:
        try:
            self.options = self.options_model.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "options"
            raise ValueError(f"[events.sinks.{self.name}] {where}: {first['msg']}") from exc
        env = self.options.token_env or self.default_token_env
        self.token = os.environ.get(env) if env else None
        if self.default_token_env and not self.token:
            raise ValueError(f"set the token in the environment variable {env} (never in a file)")
        self.host, self.user = host, user
        import httpx

        self._client = httpx.Client(timeout=self.options.timeout_s, verify=self.options.verify_tls)

    def emit(self, event: Event) -> None:
        self._pending.append(event)

    def flush(self) -> None:
        options = self._options()
        while self._pending:
            chunk = self._pending[: options.batch_size]
            consumed, problem = self._post_with_retry(chunk)
            del self._pending[:consumed]
            if problem:
                raise DeliveryError(f"{self.name}: {problem}")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- for subclasses -------------------------------------------------------------------------------

    def request(self, chunk: list[Event]) -> tuple[str, bytes, dict[str, str]]:
        """(url, body, headers) for one chunk."""
        raise NotImplementedError

    def accepted(self, chunk: list[Event], response: httpx.Response) -> tuple[int, str | None]:
        """How many events from the start of `chunk` are done with (stored, or refused for good), and what
        went wrong if anything: the rest of the chunk stays buffered for the next flush."""
        raise NotImplementedError

    # -- internals ------------------------------------------------------------------------------------

    def _post_with_retry(self, chunk: list[Event]) -> tuple[int, str | None]:
        options = self._options()
        if self._client is None:
            raise InvariantError("the HTTP sink sent before it was configured")
        import httpx

        url, body, headers = self.request(chunk)
        problem = ""
        for attempt in range(options.retries + 1):
            if attempt:
                time.sleep(options.backoff_s * 2 ** (attempt - 1))
            try:
                response = self._client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code in RETRIED_STATUS:
                problem = f"HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                raise DeliveryError(f"{self.name}: HTTP {response.status_code}: {response.text[:200]}")
            return self.accepted(chunk, response)
        raise DeliveryError(f"{self.name}: {problem} after {options.retries + 1} attempts")

    def _options(self) -> HttpOptions:
        if self.options is None:
            raise RuntimeError(f"the {self.name} sink was not configured ([events.sinks.{self.name}])")
        return self.options
