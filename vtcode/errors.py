"""Typed errors. Each message is one line a user can act on: it names the file, key or argument."""

from __future__ import annotations


class VtcodeError(Exception):
    """Base of every error vtcode reports to a user instead of a traceback."""

    exit_code = 2


class ConfigError(VtcodeError):
    """A configuration or policy file is malformed; nothing runs until it is fixed."""

    def __init__(self, file: str, message: str, *, key: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.key = key
        self.line = line
        self.detail = message
        where = file if line is None else f"{file}:{line}"
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


class PluginBlocked(VtcodeError):
    """A plugin was refused by the sign-off gate or removed after a failed check."""


class PluginRegistrationRefused(VtcodeError):
    """Something tried to register a plugin outside the sign-off gate."""


class WorkspaceError(VtcodeError):
    """The workspace root is missing, not a directory, or a path escapes it."""


class NotYetAvailable(VtcodeError):
    """A command from the stable CLI whose implementation has not landed yet."""

    exit_code = 3


class PathDenied(WorkspaceError):
    """The workspace jail refused a path: it names where the path leads and why, on one line."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = " ".join(reason.splitlines())
        shown = path if len(path) <= 200 else f"{path[:200]}..."
        super().__init__(f"{shown!r}: {self.reason}")


class InvariantError(VtcodeError):
    """A state vtcode's own code must never reach (a bug, not bad input): reported as one line naming the
    broken expectation instead of a bare AssertionError, and never skipped under `python -O`."""

    exit_code = 70  # EX_SOFTWARE
