"""The sandbox's typed error: nothing runs, and the message says what to change."""

from __future__ import annotations

from vtcode.errors import VtcodeError


class SandboxDenied(VtcodeError):
    """No sandbox could be applied (or one launch could not be confined); unsandboxed runs are not allowed."""
