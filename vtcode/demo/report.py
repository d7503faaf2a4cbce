"""What happened to each step, read back from the session's own events and transcript, and the summary
table the demo ends with."""

from __future__ import annotations

from dataclasses import dataclass

from vtcode_hookspecs import ChatMessage, Event

from .script import STEPS, Step

KERNEL_SIGNS = ("Permission denied", "Operation not permitted", "Network is unreachable", "failed:")


@dataclass(frozen=True)
class Row:
    step: Step
    outcome: str  # "ran", "failed", "stopped"
    layer: str  # which layer stopped it ("" when it ran)
    detail: str

    @property
    def as_expected(self) -> bool:
        return self.outcome == "stopped" if self.step.attack else self.outcome in ("ran", "failed")


def rows(events: list[Event], messages: list[ChatMessage]) -> list[Row]:
    results = {m.tool_call_id: m.content for m in messages if m.role == "tool"}
    found = []
    for index, step in enumerate(STEPS, start=1):
        call_id = f"demo-{index}"
        mine = [e for e in events if e.payload.get("call_id") == call_id]
        after = [e for e in events if mine and e.seq > mine[0].seq]
        found.append(_row(step, mine, after, results.get(call_id, "")))
    return found


def _row(step: Step, mine: list[Event], after: list[Event], output: str) -> Row:
    decision = next((e.payload for e in mine if e.type == "policy.decision"), None)
    first_line = output.strip().splitlines()[0] if output.strip() else ""
    if decision is not None and decision["decision"] == "deny":
        layer = "jail" if "outside the workspace" in decision["reason"] else "policy"
        return Row(step, "stopped", layer, f"{decision['reason']} (rule {decision.get('rule')})")
    if decision is not None and decision["decision"] == "prompt":
        # approvals carry the action's digest, not the call id: the answer is the first one after the decision
        answered = next((e.payload for e in after if e.type == "approval.answered"), None)
        if answered is not None and answered["answer"] == "deny":
            return Row(step, "stopped", "approval", f"{decision['reason']}; no terminal, so denied")
    if step.tool == "run_command" and any(sign in output for sign in KERNEL_SIGNS):
        kernel = [line.strip() for line in output.splitlines() if any(s in line for s in KERNEL_SIGNS)]
        return Row(step, "stopped", "kernel", "; ".join(kernel)[:160])
    finished = next((e.payload for e in mine if e.type == "tool.finished"), None)
    ok = finished is not None and finished.get("ok") is True
    return Row(step, "ran" if ok else "failed", "", first_line[:160])


def table(found: list[Row]) -> str:
    header = ("#", "step", "result", "stopped by", "detail")
    lines = [header]
    for index, row in enumerate(found, start=1):
        mark = "✓" if row.as_expected else "✗"
        kind = "attack" if row.step.attack else "task"
        result = f"{mark} {row.outcome}" + (f" ({kind})" if row.step.attack else "")
        lines.append((str(index), row.step.label, result, row.layer or "-", row.detail))
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    out = []
    for number, line in enumerate(lines):
        cells = [line[i].ljust(widths[i]) for i in range(4)]
        out.append("  ".join(cells) + "  " + line[4])
        if number == 0:
            out.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
    return "\n".join(out)
