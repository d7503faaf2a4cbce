"""Actions the core asks the policy about, and the decisions it gets back.

Defined in the contract because `review_action` plugins receive and return them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema


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


class RuleId(str):
    """Which rule decided, as parts: `section` (the policy's part: "commands", "tools", "paths", "hazards",
    "approval_cache", "hook"...), `name` (the entry in it: a command as named or its rule key, a tool policy
    key, a check), `path` (subcommands within a command's rule) and `detail` (what within it decided: a
    flag, "query", "secret", a hook's name).

    It is its text, a `str`: `section[.name[.path...]][:detail]` (`commands.git.push:--force`,
    `tools.default_policy`, `hook:dlp`), the one audit logs, prompts and `vtcode check` have always shown
    and stored, so a reader written against the string (a `review_action`, a JSON dump) keeps working.
    Code that decides reads the parts, never the text: `RuleId.parse` exists to read what was stored (old
    logs, a plugin's `Decision(rule="...")`). `str(RuleId.parse(text)) == text` for every text; an id whose
    parts hold no "." or ":" (a detail may) comes back with the same parts. Immutable."""

    section: str
    name: str | None
    path: tuple[str, ...]
    detail: str | None
    __stored_as__ = str  # what the audit reference (vtcode/events/schema.py) calls its type

    def __new__(
        cls, section: str, name: str | None = None, path: tuple[str, ...] = (), detail: str | None = None
    ) -> RuleId:
        text = section if name is None else f"{section}.{name}"
        if path:
            text += "." + ".".join(path)
        self = super().__new__(cls, text if detail is None else f"{text}:{detail}")
        for key, value in (("section", section), ("name", name), ("path", tuple(path)), ("detail", detail)):
            object.__setattr__(self, key, value)
        return self

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"a RuleId is immutable (tried to set {key})")

    def __delattr__(self, key: str) -> None:
        raise AttributeError(f"a RuleId is immutable (tried to delete {key})")

    def __repr__(self) -> str:
        return f"RuleId({str.__repr__(self)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (RuleId, (self.section, self.name, self.path, self.detail))

    def below(self, part: str) -> RuleId:
        """One level down: a subcommand's rule within its command's (`commands.git` -> `...git.push`)."""
        if self.name is None:
            return RuleId(self.section, part, (), self.detail)
        return RuleId(self.section, self.name, (*self.path, part), self.detail)

    def at(self, detail: str) -> RuleId:
        """What within this rule decided: a flag, an argument's check (`commands.git.push` -> `...:--force`;
        a further detail adds to it: `commands.env:-u` -> `commands.env:-u:env:LD_PRELOAD`)."""
        more = detail if self.detail is None else f"{self.detail}:{detail}"
        return RuleId(self.section, self.name, self.path, more)

    @classmethod
    def parse(cls, text: str) -> RuleId:
        """The parts of a stored id's text (the inverse of str(); see the class docstring)."""
        head, colon, detail = text.partition(":")
        section, *rest = head.split(".")
        return cls(section, rest[0] if rest else None, tuple(rest[1:]), detail if colon else None)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        # Given as an id or as its text (parsed); stored and shown as its text.
        return core_schema.no_info_plain_validator_function(
            _rule_from_text, serialization=core_schema.to_string_ser_schema(when_used="always")
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string"}


def _rule_from_text(value: object) -> RuleId:
    if isinstance(value, RuleId):
        return value
    if isinstance(value, str):
        return RuleId.parse(value)
    raise ValueError(f"a rule id is text, not {type(value).__name__}")


class Decision(BaseModel):
    """What the policy engine said and why; `rule` names the rule that decided, for audits and reviews
    (a RuleId; a plugin may give its text, `Decision(rule="dlp")`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: Verdict
    reason: str
    rule: RuleId | None = None
