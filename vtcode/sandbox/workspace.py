"""The `CommandSandbox` a tool gets as `ctx.sandbox`: the chosen backend bound to this workspace.

`request` fills in what the policy and the config say (mode, network, read roots, protected paths,
timeout, the user's umask); `prepare` asks the backend to confine one launch, snapshots the protected
paths the backend could not guard, and wraps `release` so that, once the command is over, they are
restored and every change is a `sandbox.violation` event.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vtcode_hookspecs import (
    PreparedSpawn,
    SandboxApplied,
    SandboxBackend,
    SandboxCleanup,
    SandboxFullAccess,
    SandboxMode,
    SandboxPreparer,
    SandboxRequest,
    SandboxViolation,
)
from vtcode_hookspecs import SandboxDenied as SandboxDeniedPayload

from vtcode.config.models import SandboxConfig
from vtcode.errors import VtcodeError
from vtcode.events import EventBus
from vtcode.hardening import user_umask
from vtcode.providers.deadline import time_left

from .egress import Ask, EgressGate, proxy_env
from .errors import SandboxDenied
from .gitcontain import contain
from .gitguard import GitScanTooLarge, find_git_entries, gitdir_listing
from .protected import Protection, kernel_protection, own_state_paths
from .restore import Snapshot

_MIN_TIMEOUT_S = 0.1  # a tool started just before the wall time ends still gets a moment, never 0


class WorkspaceSandbox:
    def __init__(self, backend: SandboxBackend, config: SandboxConfig, root: Path, bus: EventBus,
                 *, ask_network: Ask | None = None, approved_hosts: Sequence[str] = ()) -> None:
        self._backend = backend
        self._config = config
        self._root = root
        self._bus = bus
        # The repositories found when each request was made, to tell what a command planted.
        self._git_before: dict[tuple[tuple[str, ...], str], Protection] = {}
        self._egress = (EgressGate(config, bus, ask_network, approved_hosts) if _egress_mode(config)
                        else None)
        self._own_gates: dict[tuple[tuple[str, ...], str | None], EgressGate] = {}
        self._own_lock = threading.Lock()
        if config.mode == "full-access":
            bus.record(
                SandboxFullAccess(
                    name=backend.name,
                    reason="sandbox.mode = 'full-access': commands may write anywhere and use the network "
                    "(secrets stay hidden, protected paths read-only, kernel-escape syscalls denied)",
                )
            )

    @property
    def backend(self) -> str:
        return self._backend.name

    @property
    def mode(self) -> SandboxMode:
        return self._config.mode

    @property
    def timeout_s(self) -> float:
        """sandbox.timeout_s, or less: what is left of the run's wall time while a tool runs (the agent
        sets that deadline around each tool call; a command outlives neither)."""
        left = time_left()
        if left is None:
            return self._config.timeout_s
        return max(min(self._config.timeout_s, left), _MIN_TIMEOUT_S)

    def request(self, argv: Sequence[str], cwd: str, *, terminal: bool = False) -> SandboxRequest:
        roots = tuple(os.path.abspath(os.path.expanduser(r)) for r in self._config.read_roots)
        try:
            protection = kernel_protection(self._root)
        except GitScanTooLarge as exc:
            raise SandboxDenied(f"{exc}; narrow the workspace") from exc
        self._git_before[tuple(argv), cwd] = protection
        env = dict(os.environ)
        port = None
        if self._egress is not None:
            port = self._config.network.port
            env = {k: v for k, v in env.items() if k.lower() != "no_proxy"} | proxy_env(port)
        return SandboxRequest(
            argv=tuple(argv),
            cwd=cwd,
            workspace=str(self._root),
            mode=self._config.mode,
            network=self._config.network.full,
            egress_port=port,
            env=env,
            read_roots=roots,
            protected_paths=protection.paths,
            state_paths=own_state_paths(self._root),
            timeout_s=self.timeout_s,
            terminal=terminal,
            umask=user_umask(),
        )

    def prepare(self, request: SandboxRequest) -> PreparedSpawn:
        gate = self._egress
        if request.egress_hosts is not None and not request.network:
            request, gate = self._own_egress(request)
        if not isinstance(self._backend, SandboxPreparer):
            raise SandboxDenied(
                f"sandbox backend {self._backend.name!r} has no prepare(); vtcode needs it "
                "to stream output and run terminals; choose another sandbox.backend"
            )
        try:
            prepared = self._backend.prepare(request)
        except (VtcodeError, OSError, ValueError) as exc:
            self._bus.record(
                SandboxDeniedPayload(
                    name=self._backend.name,
                    argv=list(request.argv),
                    reason=f"the sandbox could not be applied: {exc}",
                )
            )
            raise SandboxDenied(f"the {self._backend.name} sandbox could not be applied: {exc}") from exc
        # vtcode's own trees are too large to detect-and-restore: one the backend could not guard refuses the
        # command. A missing one (a system config file not written yet) is watched like a protected path.
        unguarded = [p for p in prepared.unprotected if p in request.state_paths and os.path.lexists(p)]
        if unguarded:
            prepared.release()
            reason = (f"{unguarded[0]} holds vtcode's own code or state where the command may write, "
                      f"and the {self._backend.name} sandbox could not make it read-only here")
            denied = SandboxDeniedPayload(name=self._backend.name, argv=list(request.argv), reason=reason)
            self._bus.record(denied)
            raise SandboxDenied(reason)
        egress_key = None
        if request.egress_port is not None and not request.network:
            if gate is None or prepared.egress is None or not any(
                    e.startswith("network:egress-proxy") for e in prepared.enforced):
                prepared.release()
                what = ("a network grant through the egress proxy was asked for"
                        if request.egress_hosts is not None else "sandbox.network mode 'allowlist' is set")
                reason = (f"{what} but the {self._backend.name} sandbox "
                          "cannot route commands through the egress proxy here; nothing was run")
                self._bus.record(
                    SandboxDeniedPayload(name=self._backend.name, argv=list(request.argv), reason=reason)
                )
                raise SandboxDenied(reason)
            egress_key = gate.attach(prepared.egress)
        snapshot = Snapshot.take(str(self._root), prepared.unprotected)
        self._bus.record(
            SandboxApplied(
                name=self._backend.name,
                mode=request.mode,
                argv=list(request.argv),
                cwd=request.cwd,
                enforced=list(prepared.enforced),
                restore_watched=sorted(snapshot.before),
                message=f"{request.mode}: {', '.join(prepared.enforced) or 'nothing enforced'}",
            )
        )
        protection = self._git_before.pop((tuple(request.argv), request.cwd), None)
        if protection is None:  # a request built elsewhere: look now
            entries = tuple(find_git_entries(str(self._root)))
            protection = Protection((), entries, gitdir_listing(list(entries), str(self._root)))
        release = self._releaser(prepared, snapshot, protection)
        if gate is not None and egress_key is not None:
            release.egress = (gate, egress_key)
        return dataclasses.replace(prepared, release=release)

    def _own_egress(self, request: SandboxRequest) -> tuple[SandboxRequest, EgressGate]:
        """A launch with its own allowlist (an MCP server's `network = [hosts]`): its own proxy, with only
        those hosts (and the session's deny rules), whatever the session's mode; the proxy's port and
        environment are filled in here, so the caller names hosts and nothing else. One proxy per
        allowlist and client, kept for the session (a restarted server reuses it)."""
        hosts = request.egress_hosts or ()
        key = (hosts, request.egress_client)
        with self._own_lock:
            gate = self._own_gates.get(key)
            if gate is None:
                gate = EgressGate(self._config, self._bus, own=hosts, client=request.egress_client)
                self._own_gates[key] = gate
        port = request.egress_port or self._config.network.port
        env = {k: v for k, v in request.env.items() if k.lower() != "no_proxy"} | proxy_env(port)
        return request.model_copy(update={"egress_port": port, "env": env}), gate

    def _releaser(self, prepared: PreparedSpawn, snapshot: Snapshot, before: Protection) -> _Release:
        return _Release(prepared, snapshot, self._bus, self._backend.name, str(self._root), before)

    def close(self) -> None:
        """Stop the egress proxy, if this sandbox started one."""
        if self._egress is not None:
            self._egress.close()
        with self._own_lock:
            gates, self._own_gates = list(self._own_gates.values()), {}
        for gate in gates:
            gate.close()


def _egress_mode(config: SandboxConfig) -> bool:
    """The allowlist mode applies when it is chosen and the network is not fully open anyway."""
    return config.uses_egress_proxy


@dataclasses.dataclass
class _Release:
    """Idempotent: a tool may call release from both its normal path and its error path."""

    prepared: PreparedSpawn
    snapshot: Snapshot
    bus: EventBus
    backend: str
    root: str
    git_before: Protection
    done: SandboxCleanup | None = None
    egress: tuple[EgressGate, int] | None = None

    def __call__(self) -> SandboxCleanup:
        if self.done is not None:
            return self.done
        cleanup = self.prepared.release()  # every process of the command is dead after this
        if self.egress is not None:
            gate, key = self.egress
            gate.detach(key)
        restored = self.snapshot.restore()
        restored += self._neutralise_planted_repositories()
        for path, what in restored:
            self.bus.record(
                SandboxViolation(
                    path=path,
                    name=self.backend,
                    action=what,
                    reason=f"{path}: a protected path was modified by a sandboxed command ({what})",
                    **_violation_extras(path, what),
                )
            )
        self.done = SandboxCleanup(
            killed=cleanup.killed, restored=[*cleanup.restored, *(p for p, _ in restored)]
        )
        return self.done

    def _neutralise_planted_repositories(self) -> list[tuple[str, str]]:
        """A repository that appeared during the command (anywhere in the workspace) may point the user's
        next `git` at a config or hooks the command wrote: gitcontain takes it away. Runs after every
        process was killed."""
        return contain(self.root, self.git_before.git_entries, self.git_before.gitdir_names)


def _violation_extras(path: str, what: str) -> dict[str, Any]:
    """Keys older readers of sandbox.violation look for, beyond the model's fields (kept as extras)."""
    detail = f"{path}: a protected path was modified by a sandboxed command ({what})"
    return {"kind": "file-write", "detail": detail}
