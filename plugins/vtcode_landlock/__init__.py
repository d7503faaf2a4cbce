"""Kernel confinement for vtcode on Linux: Landlock, seccomp, a mount namespace for protected paths, rlimits.

Everything is built in the parent (rulesets, BPF, mount plans) so that the forked child only issues
syscalls before exec. `backend.LandlockBackend` is the registered sandbox backend `landlock`; see
docs/decisions/0201-linux-sandbox.md and 0202-sandbox-backend-and-runner.md for the choices.
"""

from __future__ import annotations

from collections.abc import Callable

from vtcode_hookspecs import SandboxBackend, hookimpl


@hookimpl
def register_sandboxes(register: Callable[[SandboxBackend], None]) -> None:
    # Imported here: plugin loading stays cheap for commands that never spawn (ctypes, libc lookups).
    from .backend import LandlockBackend

    register(LandlockBackend())
