"""Taps that let the UI watch the real agent without changing what it does: the model's stream (tee),
the tool calls (a ToolCaller around the real ToolRunner) and the event bus (an in-process sink)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

from vtcode_hookspecs import ChatChunk, ChatRequest, Event, Verdict

from vtcode.agent import ChatBackend, ToolCaller
from vtcode.tools.runner import CallRecord
from vtcode.workspace.jail import Jail

from .diffs import edit_diff
from .inbox import Inbox, LiveTail, Seen, Text, ToolEnded, ToolOutput, ToolStarted


class StreamTee:
    """The backend, with every text chunk copied to the UI; `stop()` cuts the reply short like Ctrl-C."""

    def __init__(self, backend: ChatBackend, inbox: Inbox, stopping: threading.Event | None = None) -> None:
        self._backend = backend
        self._inbox = inbox
        self.stopping = stopping or threading.Event()

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        for chunk in self._backend.chat(request):
            # Raised inside the loop's open section: the agent ends the session as interrupted.
            if self.stopping.is_set():
                raise KeyboardInterrupt
            if chunk.text:
                self._inbox.put(Text(chunk.text))
            yield chunk

    def context_length(self, model: str) -> int | None:
        return self._backend.context_length(model)


class ObservedRunner:
    """The real ToolRunner (policy, approval, sandbox, events); the UI sees each call start, its live
    output and its end. It is also the runner's CallWatch (tools/call_context.py): Esc sets `stopping`, which
    a running command polls, so it is interrupted at once instead of at the model's next chunk."""

    def __init__(
        self, runner: ToolCaller, inbox: Inbox, jail: Jail, stopping: threading.Event | None = None
    ) -> None:
        self._runner = runner
        self._inbox = inbox
        self._jail = jail
        self.stopping = stopping or threading.Event()
        self._live: LiveTail | None = None

    def call(self, name: str, arguments: str | dict[str, Any], call_id: str = "") -> CallRecord:
        args = _parsed(arguments)
        self._inbox.put(ToolStarted(call_id, name, args, edit_diff(self._jail, name, args)))
        started = time.monotonic()
        self._live = LiveTail(call_id)
        try:
            record = self._runner.call(name, arguments, call_id)
        finally:
            self._live = None
        data = record.result.data or {}
        code = data.get("exit_code")
        self._inbox.put(
            ToolEnded(
                call_id,
                record.result.ok,
                record.result.output,
                _refused(record),
                time.monotonic() - started,
                exit_code=code if isinstance(code, int) else None,
                interrupted=data.get("interrupted") is True,
            )
        )
        return record

    def output(self, data: bytes) -> None:
        live = self._live
        if live is not None and live.add(data):
            self._inbox.put(ToolOutput(live.call_id, live))

    def stop_requested(self) -> bool:
        return self.stopping.is_set()


class UiSink:
    """An inline event sink: every event of the session, in order, for the audit screen and status bar."""

    name = "tui"
    delivery = "inline"

    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox

    def emit(self, event: Event) -> None:
        self._inbox.put(Seen(event))

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def _parsed(arguments: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(arguments, dict):
        return arguments
    try:
        value = json.loads(arguments or "{}")
    except ValueError:
        return {"(unparsed)": arguments}
    return value if isinstance(value, dict) else {"(arguments)": value}


def _refused(record: CallRecord) -> str:
    if record.decision is not None and record.decision.verdict is Verdict.DENY:
        return record.result.output
    if record.answer is not None and not record.answer.allows:
        return record.result.output
    return ""
