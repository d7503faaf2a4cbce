"""Typed errors of the kernel confinement layer; each message says what to do about it."""

from __future__ import annotations

from vtcode.api import VtcodeError


class SandboxUnavailable(VtcodeError):
    """This machine or this request cannot be confined; vtcode must fail closed and run nothing."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ProtectedPathError(SandboxUnavailable):
    """A protected path could be modified through another name (hard link, symlink): refuse to spawn."""
