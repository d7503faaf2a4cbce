"""CallContext, the ToolContext the core lends a tool for one call: the jail is its only way to the files."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from vtcode_hookspecs import CommandSandbox, Payload

from vtcode.events import EventBus
from vtcode.sandbox.errors import SandboxDenied
from vtcode.workspace.jail import Jail


class CallWatch(Protocol):
    """Someone watching the call as it runs (the TUI): live output and a stop button. Output given here
    is never an event, so it never reaches the audit log."""

    def output(self, data: bytes) -> None: ...

    def stop_requested(self) -> bool: ...


class CallContext:
    def __init__(
        self,
        jail: Jail,
        bus: EventBus,
        tool: str,
        *,
        sandbox: CommandSandbox | None = None,
        watch: CallWatch | None = None,
        call_id: str = "",
        decision: str = "allow",
    ) -> None:
        self.call_id = call_id
        # What let this call run: "allow" (the policy) or "person:<answer>" (an approval).
        self.decision = decision
        self._jail = jail
        self._bus = bus
        self._tool = tool
        self._sandbox = sandbox
        self._watch = watch
        # Every path this call wrote, or resolved to write, through the jail: what a file tool changed,
        # known by construction (the checkpoint after it looks at these paths alone).
        self.written: list[Path] = []

    @property
    def workspace(self) -> Path:
        return self._jail.root

    def resolve(self, path: str, *, write: bool = False) -> Path:
        resolved = self._jail.resolve(path, write=write)
        if write:
            self.written.append(resolved)
        return resolved

    def read_bytes(self, path: str, *, limit: int | None = None) -> bytes:
        return self._jail.read_bytes(path, limit=limit)

    def write_bytes(self, path: str, data: bytes) -> Path:
        resolved = self._jail.resolve(path, write=True)
        self.written.append(resolved)  # before the write: a write that fails half-way is looked at too
        self._jail.write_resolved(resolved, data, shown=path)
        return resolved

    def emit(self, type: str, payload: dict[str, Any]) -> None:
        self._bus.emit(type, payload, actor=f"tool:{self._tool}")

    def record(self, payload: Payload) -> None:
        self._bus.record(payload, actor=f"tool:{self._tool}")

    def live_output(self, data: bytes) -> None:
        """Output as it arrives, for whoever watches the call on screen; not recorded anywhere."""
        if self._watch is not None:
            self._watch.output(data)

    def stop_requested(self) -> bool:
        """The person asked to stop (the TUI's Esc): a long-running tool ends early, as on Ctrl-C."""
        return self._watch is not None and self._watch.stop_requested()

    def time_left(self) -> float | None:
        """Seconds left of the run's wall time (None: no limit set), for a tool that computes in vtcode's
        own process (grep's regular expressions): the kernel's timeouts only bound what it spawns."""
        from vtcode.providers.deadline import time_left

        return time_left()

    @property
    def sandbox(self) -> CommandSandbox:
        """The workspace's sandbox. Without one nothing may be spawned: fail closed, never run bare."""
        if self._sandbox is None:
            raise SandboxDenied(f"tool {self._tool} needs a sandbox to run processes and none was set up")
        return self._sandbox
