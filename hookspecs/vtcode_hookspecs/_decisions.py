"""Actions the core asks the policy about, and the decisions it gets back.

Defined in the contract because `review_action` plugins receive and return them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Verdict(StrEnum):
    """Ordered from loosest to strictest: combining layers takes the maximum."""

    ALLOW = "allow"
    PROMPT = "prompt"
    DENY = "deny"

    @property
    def strictness(self) -> int:
        return _STRICTNESS[self]

    @classmethod
    def strictest(cls, *verdicts: Verdict) -> Verdict:
        return max(verdicts, key=lambda v: v.strictness, default=cls.DENY)


_STRICTNESS = {Verdict.ALLOW: 0, Verdict.PROMPT: 1, Verdict.DENY: 2}


class ActionRequest(BaseModel):
    """One thing the agent wants to do, described well enough to decide on and to digest for the audit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["tool", "command", "path", "plugin"]
    tool: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    argv: tuple[str, ...] | None = None
    shell: str | None = None
    path: str | None = None
    write: bool = False
    # Further path arguments of the same action, each with whether it is written.
    extra_paths: tuple[tuple[str, bool], ...] = ()


class Decision(BaseModel):
    """What the policy engine said and why; `rule` names the rule that decided, for audits and reviews."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: Verdict
    reason: str
    rule: str | None = None
