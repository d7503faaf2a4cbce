"""An ordered chain of configured providers: retries, failover, circuit breakers, events.

Mid-stream failures: chunks are passed on as they arrive (nothing is buffered, so the first token reaches
the user at once). A failure before the first chunk is retried or failed over like any other; a failure
after it raises StreamInterrupted and the turn fails: replaying the request elsewhere would repeat text
the caller already showed, or a second answer could contradict tool calls it already acted on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field

from vtcode_hookspecs import (
    ChatChunk,
    ChatRequest,
    Error,
    ModelInfo,
    Provider,
    ProviderError,
    ProviderFailover,
    ProviderSettings,
)

from vtcode.events import EventBus

from .choice import ModelChoice, choose_model
from .deadline import passed as deadline_passed
from .deadline import time_left
from .errors import ChainExhausted, StreamInterrupted
from .resilience import CircuitBreaker, RetryPolicy
from .telemetry import ResponseTally, request_payload
from .windows import WindowCache


@dataclass
class ChainEntry:
    """One configured provider in the chain, under the name the user gave it."""

    name: str
    provider: Provider
    settings: ProviderSettings
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    windows: WindowCache | None = None  # learned context windows, so a start need not list the models
    allow_load: bool = False  # [providers.<name>] allow_load: exec may load the model --model names
    _models: list[ModelInfo] | None = None
    _choice: ModelChoice | None = None

    def models(self) -> list[ModelInfo]:
        if self._models is None:
            self._models = self.provider.models()
        return self._models

    def choose(self) -> ModelChoice:
        """The model this entry uses and what to tell the person about it (choice.py), from one
        listing; remembered, so the notes are said once."""
        if self._choice is None:
            self._choice = choose_model(self.name, self.settings.model, self.models())
        return self._choice

    def chose(self, info: ModelInfo) -> ModelChoice:
        """The person picked (and the TUI loaded) `info`: use it from now on."""
        self._models = None
        self.settings = self.settings.model_copy(update={"model": info.id})
        if self.windows is not None and info.context_length:  # the window it was just loaded with
            self.windows.put(self._window_key(info.id), info.context_length)
        self._choice = choose_model(self.name, info.id, [info])
        return self._choice

    def model_for(self, request: ChatRequest) -> str:
        """The entry's configured model wins (model names are per provider), then the request's, then the
        model the server has loaded (choice.py)."""
        model = self.settings.model or request.model
        if model:
            return model
        return self.choose().model

    def context_length(self, model: str | None) -> int | None:
        if self.settings.context_length is not None and (model is None or model == self.settings.model):
            return self.settings.context_length
        wanted = model or self.settings.model
        if wanted and self.windows is not None:
            cached = self.windows.get(self._window_key(wanted))
            if cached is not None:
                return cached or None
        try:
            listed = self.models()
        except ProviderError:
            return None
        if not wanted:
            try:
                wanted = self.choose().model
            except ProviderError:
                wanted = None
        found = next((m.context_length for m in listed if m.id == wanted), None)
        if wanted and self.windows is not None:
            self.windows.put(self._window_key(wanted), found or 0)
        return found

    def forget_window(self, model: str) -> None:
        """The server refused a request: a remembered window may be stale (the model was reloaded)."""
        if self.windows is not None and model:
            self.windows.forget(self._window_key(model))

    def _window_key(self, model: str) -> str:
        base_url = getattr(self.provider, "base_url", None) or self.settings.base_url or ""
        return WindowCache.key(self.provider.name, str(base_url), model)


class ProviderChain:
    def __init__(
        self,
        entries: list[ChainEntry],
        bus: EventBus,
        *,
        retry: RetryPolicy | None = None,
        llm_content: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not entries:
            raise ValueError("a provider chain needs at least one provider")
        self.entries = entries
        self.bus = bus
        self.retry = retry or RetryPolicy()
        self.llm_content = llm_content
        self._sleep = sleep

    @property
    def names(self) -> list[str]:
        return [entry.name for entry in self.entries]

    @property
    def model(self) -> str | None:
        """The first provider's configured model, if any (what `--model` set)."""
        return self.entries[0].settings.model

    def context_length(self, model: str | None = None) -> int | None:
        """The context window for `model`; with no model, the smallest window of the chain's own models,
        so a conversation sized for it still fits whichever provider ends up answering."""
        if model is not None:
            return next((n for e in self.entries if (n := e.context_length(model)) is not None), None)
        known = [n for e in self.entries if (n := e.context_length(None)) is not None]
        return min(known) if known else None

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        """Stream an answer from the first provider that gives one; see the module docstring for failures."""
        failures: list[str] = []
        last: ProviderError | None = None
        for position, entry in enumerate(self.entries):
            if not entry.breaker.allows():
                reason = (
                    f"circuit open after {entry.breaker.failures} failures; "
                    f"tried again in {entry.breaker.retry_in():.0f}s"
                )
                failures.append(f"{entry.name}: skipped, {reason}")
                self._failover(position, reason, "circuit_open")
                continue
            error = yield from self._try_entry(entry, request)
            if error is None:
                return
            if deadline_passed():
                raise error
            last = error
            failures.append(f"{entry.name}: {error}")
            self._failover(position, str(error), error.kind)
        message = "no provider could answer: " + "; ".join(failures)
        self.bus.record(Error(message=message, source="providers"))
        raise ChainExhausted(message, kind=last.kind if last else "connection")

    def close(self) -> None:
        for entry in self.entries:
            close = getattr(entry.provider, "close", None)
            if callable(close):
                close()

    # -- internals ------------------------------------------------------------------------------------

    def _try_entry(
        self, entry: ChainEntry, request: ChatRequest
    ) -> Generator[ChatChunk, None, ProviderError | None]:
        """Yield the entry's answer; return None on success, or the transient error that made it give up.
        A non-transient error (bad key, unknown model) is raised: another provider will not fix config."""
        attempt = 0
        while True:
            attempt += 1
            yielded = 0
            sent: ChatRequest | None = None
            try:
                sent = request.model_copy(update={"model": entry.model_for(request)})
                self.bus.record(request_payload(entry.name, sent, attempt, content=self.llm_content))
                tally = ResponseTally(entry.name, sent.model)
                for chunk in entry.provider.chat(sent):
                    tally.add(chunk)
                    yielded += 1
                    yield chunk
            except ProviderError as exc:
                error = self._redacted(exc)
            except Exception as exc:  # a plugin's bug must not take the chain down while others can answer
                error = ProviderError(f"{entry.name} failed: {type(exc).__name__}: {exc}", kind="server")
                error = self._redacted(error)
            else:
                entry.breaker.success()
                self.bus.record(tally.payload(content=self.llm_content))
                return None
            if yielded:
                entry.breaker.failure()
                message = (
                    f"{entry.name} failed after {yielded} chunks of its answer had been passed on, so it was "
                    f"not retried (that would repeat them): {error}"
                )
                self.bus.record(Error(message=message, source=f"provider:{entry.name}"))
                raise StreamInterrupted(message, kind=error.kind, status=error.status) from None
            if not error.transient:
                if error.kind == "bad_request":
                    entry.forget_window(sent.model if sent is not None else "")
                self.bus.record(Error(message=str(error), source=f"provider:{entry.name}"))
                raise error from None
            entry.breaker.failure()
            if attempt > self.retry.retries or not entry.breaker.allows():
                return error
            if deadline_passed():  # the run's wall time is over: no retry, no failover
                raise error from None
            delay = self.retry.delay(attempt, error.retry_after)
            left = time_left()
            if left is not None and delay >= left:  # a Retry-After past the run's wall time: stop now
                raise ProviderError(
                    f"{error} (waiting {delay:g} s to retry would pass the run's wall time, "
                    f"{max(left, 0):.1f} s left)",
                    kind=error.kind, status=error.status, retry_after=error.retry_after,
                ) from None
            self._sleep(delay)

    def _failover(self, position: int, reason: str, kind: str) -> None:
        """One event per hop down the chain (a skipped provider is a hop too); none past the last."""
        if position + 1 < len(self.entries):
            self.bus.record(
                ProviderFailover(
                    provider=self.entries[position].name,
                    fallback=self.entries[position + 1].name,
                    reason=reason,
                    kind=kind,
                )
            )

    def _redacted(self, exc: ProviderError) -> ProviderError:
        """The same error with every configured API key blanked out of its message."""
        message = str(exc)
        for entry in self.entries:
            if entry.settings.api_key is not None:
                message = message.replace(entry.settings.api_key.get_secret_value(), "***")
        if message == str(exc):
            return exc
        return ProviderError(message, kind=exc.kind, status=exc.status, retry_after=exc.retry_after)
