"""The `none` sandbox backend: no confinement at all.

The core uses it only when the policy says so explicitly (`sandbox.allow_unsandboxed = true`), and says
so in an event every time. Its `prepare` still gives the child a new session (so the caller can kill
the whole process group) and reports every protected path as unguarded, so the core's detect-and-restore
watches them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

from vtcode_hookspecs import (
    PreparedSpawn,
    SandboxAvailability,
    SandboxBackend,
    SandboxCleanup,
    SandboxRequest,
    hookimpl,
)


class NoSandbox:
    name = "none"

    def available(self) -> SandboxAvailability:
        return SandboxAvailability(
            available=True, enforces=[], reason="no confinement: runs processes as they are"
        )

    def spawn(self, request: SandboxRequest) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            list(request.argv),
            cwd=request.cwd,
            env=dict(request.env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def prepare(self, request: SandboxRequest) -> PreparedSpawn:
        umask, terminal = request.umask, request.terminal

        def preexec() -> None:
            if not terminal:  # ptyprocess makes its own session
                os.setsid()
            if umask is not None:
                os.umask(umask)

        def release() -> SandboxCleanup:
            # Nothing tracked: the caller kills the process group; a daemon that called setsid()
            # survives. That is what "none" means, and the event that chose it says so.
            return SandboxCleanup()

        return PreparedSpawn(
            argv=request.argv,
            cwd=request.cwd,
            env=dict(request.env),
            preexec_fn=preexec,
            pass_fds=(),
            release=release,
            enforced=("none",),
            unprotected=request.protected_paths,
        )


@hookimpl
def register_sandboxes(register: Callable[[SandboxBackend], None]) -> None:
    register(NoSandbox())
