"""One partial decision and how partial decisions combine: the strictest wins, and keeps its reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vtcode_hookspecs import Decision, RuleId, Verdict


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    reason: str
    rule: RuleId

    @classmethod
    def allow(cls, reason: str, rule: RuleId) -> Outcome:
        return cls(Verdict.ALLOW, reason, rule)

    @classmethod
    def prompt(cls, reason: str, rule: RuleId) -> Outcome:
        return cls(Verdict.PROMPT, reason, rule)

    @classmethod
    def deny(cls, reason: str, rule: RuleId) -> Outcome:
        return cls(Verdict.DENY, reason, rule)

    def to_decision(self) -> Decision:
        return Decision(verdict=self.verdict, reason=self.reason, rule=self.rule)


def strictest(outcomes: Iterable[Outcome], default: Outcome) -> Outcome:
    """The first of the strictest outcomes; `default` when there are none. Allows never hide a deny."""
    best = default
    found = False
    for outcome in outcomes:
        if not found or outcome.verdict.strictness > best.verdict.strictness:
            best, found = outcome, True
    return best
