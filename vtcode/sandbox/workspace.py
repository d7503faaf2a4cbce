"""The `CommandSandbox` a tool gets as `ctx.sandbox`: the chosen backend bound to this workspace.

`request` fills in what the policy and the config say (mode, network, read roots, protected paths,
timeout, the user's umask); `prepare` asks the backend to confine one launch, snapshots the protected
paths the backend could not guard, and wraps `release` so that, once the command is over, they are
restored and every change is a `sandbox.violation` event.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

from vtcode_hookspecs import (
    PreparedSpawn,
    SandboxBackend,
    SandboxCleanup,
    SandboxMode,
    SandboxPreparer,
    SandboxRequest,
)

from vtcode.config.models import SandboxConfig
from vtcode.errors import VtcodeError
from vtcode.events import EventBus
from vtcode.hardening import user_umask

from .errors import SandboxDenied
from .protected import kernel_protected_paths, own_state_paths
from .restore import Snapshot


class WorkspaceSandbox:
    def __init__(self, backend: SandboxBackend, config: SandboxConfig, root: Path, bus: EventBus) -> None:
        self._backend = backend
        self._config = config
        self._root = root
        self._bus = bus
        if config.mode == "full-access":
            bus.emit(
                "sandbox.full_access",
                {
                    "name": backend.name,
                    "reason": "sandbox.mode = 'full-access': commands may write anywhere and use the network "
                    "(secrets stay hidden, protected paths read-only, kernel-escape syscalls denied)",
                },
            )

    @property
    def backend(self) -> str:
        return self._backend.name

    @property
    def mode(self) -> SandboxMode:
        return self._config.mode

    @property
    def timeout_s(self) -> float:
        return self._config.timeout_s

    def request(self, argv: Sequence[str], cwd: str, *, terminal: bool = False) -> SandboxRequest:
        roots = tuple(os.path.abspath(os.path.expanduser(r)) for r in self._config.read_roots)
        return SandboxRequest(
            argv=tuple(argv),
            cwd=cwd,
            workspace=str(self._root),
            mode=self._config.mode,
            network=self._config.network,
            env=dict(os.environ),
            read_roots=roots,
            protected_paths=kernel_protected_paths(self._root),
            state_paths=own_state_paths(self._root),
            timeout_s=self._config.timeout_s,
            terminal=terminal,
            umask=user_umask(),
        )

    def prepare(self, request: SandboxRequest) -> PreparedSpawn:
        if not isinstance(self._backend, SandboxPreparer):
            raise SandboxDenied(
                f"sandbox backend {self._backend.name!r} has no prepare(); vtcode needs it "
                "to stream output and run terminals; choose another sandbox.backend"
            )
        try:
            prepared = self._backend.prepare(request)
        except (VtcodeError, OSError, ValueError) as exc:
            self._bus.emit(
                "sandbox.denied",
                {
                    "name": self._backend.name,
                    "argv": list(request.argv),
                    "reason": f"the sandbox could not be applied: {exc}",
                },
            )
            raise SandboxDenied(f"the {self._backend.name} sandbox could not be applied: {exc}") from exc
        # vtcode's own trees are too large to detect-and-restore: one the backend could not guard refuses the
        # command. A missing one (a system config file not written yet) is watched like a protected path.
        unguarded = [p for p in prepared.unprotected if p in request.state_paths and os.path.lexists(p)]
        if unguarded:
            prepared.release()
            reason = (f"{unguarded[0]} holds vtcode's own code or state where the command may write, "
                      f"and the {self._backend.name} sandbox could not make it read-only here")
            self._bus.emit("sandbox.denied", {"name": self._backend.name, "argv": list(request.argv),
                                              "reason": reason})
            raise SandboxDenied(reason)
        snapshot = Snapshot.take(str(self._root), prepared.unprotected)
        self._bus.emit(
            "sandbox.applied",
            {
                "name": self._backend.name,
                "mode": request.mode,
                "argv": list(request.argv),
                "cwd": request.cwd,
                "enforced": list(prepared.enforced),
                "restore_watched": sorted(snapshot.before),
                "message": f"{request.mode}: {', '.join(prepared.enforced) or 'nothing enforced'}",
            },
        )
        return dataclasses.replace(prepared, release=self._releaser(prepared, snapshot))

    def _releaser(self, prepared: PreparedSpawn, snapshot: Snapshot) -> _Release:
        return _Release(prepared, snapshot, self._bus, self._backend.name)


@dataclasses.dataclass
class _Release:
    """Idempotent: a tool may call release from both its normal path and its error path."""

    prepared: PreparedSpawn
    snapshot: Snapshot
    bus: EventBus
    backend: str
    done: SandboxCleanup | None = None

    def __call__(self) -> SandboxCleanup:
        if self.done is not None:
            return self.done
        cleanup = self.prepared.release()
        restored = self.snapshot.restore()
        for path, what in restored:
            self.bus.emit(
                "sandbox.violation",
                {
                    "kind": "file-write",
                    "path": path,
                    "name": self.backend,
                    "action": what,
                    "detail": f"{path}: a protected path was modified by a sandboxed command ({what})",
                    "reason": f"{path}: a protected path was modified by a sandboxed command ({what})",
                },
            )
        self.done = SandboxCleanup(
            killed=cleanup.killed, restored=[*cleanup.restored, *(p for p, _ in restored)]
        )
        return self.done
