"""Sandbox backends: say whether they can confine here, and spawn confined processes.

`spawn` is the whole contract a backend must meet. A backend may also offer `prepare`, which hands back
what to exec and how to confine it without starting anything, so the caller can start the child itself
(on a PTY with ptyprocess, or on pipes) and call `release` when the command is over.
"""

from __future__ import annotations

import socket
import subprocess
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

Std = int | IO[Any] | None  # what Popen takes for stdin/stdout/stderr

SandboxMode = Literal["read-only", "workspace-write", "full-access"]


class SandboxRequest(BaseModel):
    """Everything a backend needs to start one process; paths are absolute and already jailed."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    argv: tuple[str, ...] = Field(min_length=1)
    cwd: str
    workspace: str
    mode: SandboxMode = "workspace-write"
    network: bool = False
    # Egress mode (with network False): the command's only route out is an HTTP proxy the core runs. The
    # backend makes 127.0.0.1:egress_port inside the command's private network namespace a listener and
    # hands it over in `PreparedSpawn.egress`; a backend that cannot leaves that None and the core refuses
    # to run the command (fail closed).
    egress_port: int | None = Field(default=None, ge=1, le=65535)
    # This launch's own allowlist (an MCP server's `network = [...]` grant): its connections go through
    # the egress proxy allowing only these host and address rules (the session's `deny` still applies),
    # whatever the session's network mode is; the core fills in `egress_port` and the proxy environment.
    # None: the session's own rules decide. A backend needs nothing new: it sees `egress_port` as usual.
    egress_hosts: tuple[str, ...] | None = None
    # Named in every `network.request` event of this launch ("mcp:fs"): who made the connection.
    egress_client: str | None = Field(default=None, max_length=100)
    env: dict[str, str] = Field(default_factory=dict)
    read_roots: tuple[str, ...] = ()
    protected_paths: tuple[str, ...] = ()
    # vtcode's own code, configuration, caches and state (its venv or site-packages, config, data and cache
    # dirs, audit dir): never writable by the command, wherever they lie. Unlike protected_paths they may
    # be large trees: a backend guards each whole (a read-only mount, a deny rule) without walking it, and
    # lists in `PreparedSpawn.unprotected` any it could not guard inside a writable tree; the core then
    # refuses to run the command (they are too large to detect-and-restore).
    state_paths: tuple[str, ...] = ()
    timeout_s: float | None = None
    # A private, writable temp dir for this command (TMPDIR and HOME point there); None: the backend's choice.
    tmp_dir: str | None = None
    # The caller starts the child on a terminal, which makes its own session (ptyprocess calls setsid).
    terminal: bool = False
    # The user's umask for the child: vtcode itself runs with 077, the user's project files should not.
    umask: int | None = Field(default=None, ge=0, le=0o777)


class SandboxAvailability(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    available: bool
    enforces: list[str] = Field(default_factory=list)  # e.g. ["landlock-abi-7", "seccomp", "userns"]
    reason: str = ""


class SandboxCleanup(BaseModel):
    """What `release` did after a command: descendants killed, protected paths found changed and restored."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    killed: int = 0
    restored: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class PreparedSpawn:
    """A confined launch, ready for `subprocess.Popen(argv, cwd=, env=, preexec_fn=, pass_fds=)` or
    `ptyprocess.PtyProcess.spawn(...)`. Call `release()` once the command has ended, whatever happened:
    it kills every remaining descendant and frees the backend's resources."""

    argv: tuple[str, ...]
    cwd: str
    env: dict[str, str]
    preexec_fn: Callable[[], None] | None
    pass_fds: tuple[int, ...]
    release: Callable[[], SandboxCleanup]
    enforced: tuple[str, ...] = ()  # what the kernel enforces for this launch, for events and results
    unprotected: tuple[str, ...] = ()  # protected paths the backend could not guard: the core restores them
    notes: tuple[str, ...] = field(default=())
    # Egress mode: the agent's end of a socketpair on which the child sends its namespace's listener
    # (one message, SCM_RIGHTS) once it starts. The core's proxy reads it; the core closes it on release.
    egress: socket.socket | None = None

    def start(
        self,
        *,
        stdin: Std = subprocess.DEVNULL,
        stdout: Std = subprocess.PIPE,
        stderr: Std = subprocess.PIPE,
        pipesize: int = -1,
    ) -> subprocess.Popen[bytes]:
        """Start the confined command with these standard streams (stderr may be STDOUT). A backend with
        a starter of its own (one that does not fork the agent) overrides this; it raises, running
        nothing, when it cannot confine the command."""
        return subprocess.Popen(
            list(self.argv),
            cwd=self.cwd,
            env=self.env,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            preexec_fn=self.preexec_fn,
            pass_fds=self.pass_fds,
            pipesize=pipesize,
        )

    def spawn_owned(self) -> subprocess.Popen[bytes]:
        """`SandboxBackend.spawn` for a backend that prepares: pipes, and `release()` tied to the Popen
        (called if the start fails, or once the Popen is collected)."""
        try:
            proc = self.start()
        except BaseException:
            self.release()
            raise
        weakref.finalize(proc, self.release)
        return proc


@runtime_checkable
class SandboxBackend(Protocol):
    @property
    def name(self) -> str: ...

    def available(self) -> SandboxAvailability: ...

    def spawn(self, request: SandboxRequest) -> subprocess.Popen[bytes]: ...


@runtime_checkable
class SandboxPreparer(Protocol):
    """Optional second face of a backend: confine without spawning (needed for PTYs and output streaming)."""

    def prepare(self, request: SandboxRequest) -> PreparedSpawn: ...


@runtime_checkable
class CommandSandbox(Protocol):
    """What a tool gets as `ctx.sandbox`: the chosen backend, bound to the workspace, policy and config."""

    @property
    def backend(self) -> str: ...

    @property
    def mode(self) -> SandboxMode: ...

    @property
    def timeout_s(self) -> float: ...

    def request(self, argv: Sequence[str], cwd: str, *, terminal: bool = False) -> SandboxRequest: ...

    def prepare(self, request: SandboxRequest) -> PreparedSpawn: ...
