"""The jail's verdict for one path argument, as the command and tool policies ask for it. Defined here, with
the jail that gives it, so the workspace depends on nothing of the policy's (vtcode.policy.paths re-exports
both names for the policy's modules)."""

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
