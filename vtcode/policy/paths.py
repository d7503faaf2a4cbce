"""What the command and tool policies need from the workspace jail: a verdict for one path argument."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PathCheck:
    inside: bool  # resolves inside the workspace (and, for writes, not to a protected path)
    resolved: str | None
    reason: str
    secret: bool = False  # a credential store (~/.ssh, /etc/shadow...): reading it is denied outright
    protected: bool = False  # inside the workspace but never writable by the agent


class PathChecker(Protocol):
    def check_path(self, path: str, *, write: bool) -> PathCheck: ...
