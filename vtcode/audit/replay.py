"""`vtcode audit replay`: re-decide every recorded action under another policy (reviews after an incident).

Each `policy.decision` in the log holds the exact ActionRequest that was decided; the other policy's engine
decides it again, and every verdict that differs is listed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from vtcode_hookspecs import ActionRequest, Decision

from vtcode.events.describe import action_text
from vtcode.policy.engine import PolicyEngine

from .tail import segments


@dataclass(frozen=True)
class Change:
    seq: int
    call_id: str
    action: str
    recorded: str
    now: str
    rule: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return vars(self)


@dataclass
class ReplayResult:
    decisions: int
    changes: list[Change]
    unreadable: int


def recorded_workspace(path: Path) -> Path | None:
    """The workspace root the session ran in, from its workspace.trust event."""
    for event in _events(path):
        if event.get("type") == "workspace.trust":
            root = event.get("payload", {}).get("root")
            return Path(root) if isinstance(root, str) else None
    return None


def replay(path: Path, engine: PolicyEngine) -> ReplayResult:
    decisions, unreadable, changes = 0, 0, []
    for event in _events(path):
        if event.get("type") != "policy.decision":
            continue
        payload = event.get("payload", {})
        try:
            action = ActionRequest.model_validate(payload["action"])
        except (KeyError, TypeError, ValidationError):
            unreadable += 1
            continue
        decisions += 1
        decision: Decision = engine.decide(action)
        if decision.verdict.value != payload.get("decision"):
            changes.append(
                Change(
                    seq=int(event.get("seq", -1)),
                    call_id=str(payload.get("call_id", "")),
                    action=action_text(payload["action"]),
                    recorded=str(payload.get("decision")),
                    now=decision.verdict.value,
                    rule=str(decision.rule) if decision.rule is not None else None,
                    reason=decision.reason,
                )
            )
    return ReplayResult(decisions, changes, unreadable)


def _events(path: Path) -> Iterator[dict[str, Any]]:
    for segment in segments(path):
        with segment.open("rb") as handle:
            for line in handle:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # `audit verify` reports corrupted lines; replay re-decides what it can read
                if isinstance(event, dict):
                    yield event
