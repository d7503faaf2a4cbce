"""Seatbelt sandbox backend for macOS: a generated SBPL profile run with /usr/bin/sandbox-exec.

Registered everywhere, available only on macOS; on Linux `available()` says why not.
"""

from __future__ import annotations

from collections.abc import Callable

from vtcode_hookspecs import SandboxBackend, hookimpl


@hookimpl
def register_sandboxes(register: Callable[[SandboxBackend], None]) -> None:
    from .backend import SeatbeltBackend

    register(SeatbeltBackend())
