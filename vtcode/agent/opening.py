"""`vtcode exec`'s security stack, opened while the model works on the first request.

The first request needs only the configuration, the signed-off plugins and the tool specs. The policy
engine, approvals, sandbox and tool runner (about a sixth of a start: their imports, the rule examples
checked, the sandbox probed) are needed when the model's first tool call arrives, not before. So exec
starts opening them on a thread as soon as the model's first reply starts streaming in, and every tool
call waits for them. Nothing about the stack changes: it is the same `open_stack`, and no tool runs
before it is open. A stack that cannot open fails the session with its error, as it would have at
start, even when the model answered without calling a tool (docs/decisions/0502-stack-opening.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from vtcode_hookspecs import ChatChunk, ChatRequest, ToolSpec

from vtcode.errors import InvariantError

from .backend import ChatBackend

if TYPE_CHECKING:  # both bring the policy engine, approvals and sandbox: imported on the thread
    from vtcode.tools.runner import CallRecord

    from .stack import Stack


class StackOpening:
    """`open` run once, on a thread started by `start`; `result` waits for it and re-raises its error."""

    def __init__(self, open_stack: Callable[[], Stack]) -> None:
        self._open = open_stack
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stack: Stack | None = None
        self._error: BaseException | None = None

    @property
    def started(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is not None:  # every streamed chunk asks: no lock once started
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="vtcode-stack", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        try:
            self._stack = self._open()
        except BaseException as exc:  # handed to the thread that waits: nothing is lost on this one
            self._error = exc

    def result(self) -> Stack:
        """The open stack, once its thread is done (started here if nothing started it yet)."""
        self.start()
        if self._thread is None:
            raise InvariantError("the security stack was awaited before it started opening")
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._stack is None:
            raise InvariantError("the security stack finished opening without a stack or an error")
        return self._stack

    def opened(self) -> Stack | None:
        """The stack if it is open now, without waiting (None while it opens or when it failed)."""
        return self._stack

    def source_specs(self) -> list[ToolSpec]:
        """Tools of the open stack's sources (MCP servers); none until the stack is open."""
        stack = self._stack
        return stack.source_specs() if stack is not None else []

    def close(self) -> None:
        """Let the opening finish and stop what the stack started (its tool sources' servers)."""
        self.wait()
        if self._stack is not None:
            self._stack.close()

    def wait(self) -> None:
        """Let a started opening finish, whatever its outcome: nothing may still write to the audit
        log once the session closes it."""
        if self._thread is not None:
            self._thread.join()


class OpensStackOnFirstChunk:
    """A ChatBackend that starts the opening when a reply's first chunk arrives: by then the request is
    on the wire, and the opening's work overlaps the model's instead of delaying the request."""

    def __init__(self, backend: ChatBackend, opening: StackOpening) -> None:
        self.backend = backend
        self.opening = opening

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        for chunk in self.backend.chat(request):
            self.opening.start()
            yield chunk

    def context_length(self, model: str) -> int | None:
        return self.backend.context_length(model)


class DeferredRunner:
    """The ToolCaller for the agent loop: each call goes to the stack's runner once it is open."""

    def __init__(self, opening: StackOpening) -> None:
        self.opening = opening

    def call(self, name: str, arguments: str | dict[str, Any], call_id: str = "") -> CallRecord:
        return self.opening.result().runner.call(name, arguments, call_id)
