"""Actions the core asks the policy about, and the decisions it gets back.

Defined in the contract because `review_action` plugins receive and return them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema


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


@dataclass(frozen=True, slots=True, eq=False)
class RuleId:
    """Which rule decided, as parts: `section` (the policy's part: "commands", "tools", "paths", "hazards",
    "approval_cache", "hook"...), `name` (the entry in it: a command as named or its rule key, a tool policy
    key, a check), `path` (subcommands within a command's rule) and `detail` (what within it decided: a
    flag, "query", "secret", a hook's name).

    Its text is the one audit logs, prompts and `vtcode check` have always shown and stored:
    `section[.name[.path...]][:detail]` (`commands.git.push:--force`, `tools.default_policy`, `hook:dlp`).
    Code reads the parts, never the text: `RuleId.parse` exists to read what was stored (old logs, a
    plugin's `Decision(rule="...")`). `str(RuleId.parse(text)) == text` for every text; an id whose parts
    hold no "." or ":" (a detail may) comes back equal from its text. An id equals its text, so
    `decision.rule == "workspace.untrusted"` keeps working for readers written against the string."""

    section: str
    name: str | None = None
    path: tuple[str, ...] = ()
    detail: str | None = None

    def __str__(self) -> str:
        text = self.section if self.name is None else f"{self.section}.{self.name}"
        if self.path:
            text += "." + ".".join(self.path)
        return text if self.detail is None else f"{text}:{self.detail}"

    def __repr__(self) -> str:
        return f"RuleId({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RuleId | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    def below(self, part: str) -> RuleId:
        """One level down: a subcommand's rule within its command's (`commands.git` -> `...git.push`)."""
        if self.name is None:
            return replace(self, name=part)
        return replace(self, path=(*self.path, part))

    def at(self, detail: str) -> RuleId:
        """What within this rule decided: a flag, an argument's check (`commands.git.push` -> `...:--force`;
        a further detail adds to it: `commands.env:-u` -> `commands.env:-u:env:LD_PRELOAD`)."""
        return replace(self, detail=detail if self.detail is None else f"{self.detail}:{detail}")

    @classmethod
    def parse(cls, text: str) -> RuleId:
        """The parts of a stored id's text (the inverse of str(); see the class docstring)."""
        head, colon, detail = text.partition(":")
        section, *rest = head.split(".")
        return cls(section, rest[0] if rest else None, tuple(rest[1:]), detail if colon else None)


def _rule_from_text(value: object) -> object:
    return RuleId.parse(value) if isinstance(value, str) else value


# A RuleId field: given as an id or as its text (parsed), stored and shown as its text, so the bytes of an
# audit line and the JSON schemas are what they were when rules were strings.
RuleText = Annotated[
    RuleId,
    BeforeValidator(_rule_from_text),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string"}),
]


class Decision(BaseModel):
    """What the policy engine said and why; `rule` names the rule that decided, for audits and reviews
    (a RuleId; a plugin may give its text, `Decision(rule="dlp")`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: Verdict
    reason: str
    rule: RuleText | None = None
