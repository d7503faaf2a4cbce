"""The `none` sandbox backend: no confinement at all.

The core uses it only when the policy says so explicitly (`sandbox.allow_unsandboxed = true`), and says
so in an event every time.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from vtcode_hookspecs import SandboxAvailability, SandboxBackend, SandboxRequest, hookimpl


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


@hookimpl
def register_sandboxes(register: Callable[[SandboxBackend], None]) -> None:
    register(NoSandbox())
