"""Elastic Common Schema for vtcode events: what a SOC's existing Elastic rules and dashboards expect.

event.kind/category/type/action/outcome follow ECS's allowed values; the original event (hash chain
included) is kept whole under `vtcode`, so nothing is lost to the mapping.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from vtcode_hookspecs import Event

from vtcode.api import action_text, describe

ECS_VERSION = "8.11.0"

# type -> (category, type); event.kind is "alert" for sandbox violations, "event" otherwise.
_CATEGORIES: dict[str, tuple[str, str]] = {
    "session.started": ("session", "start"),
    "session.ended": ("session", "end"),
    "config.loaded": ("configuration", "info"),
    "workspace.trust": ("configuration", "info"),
    "plugin.discovered": ("package", "info"),
    "plugin.signed_off": ("package", "info"),
    "plugin.blocked": ("package", "denied"),
    "policy.decision": ("iam", "info"),
    "approval.requested": ("iam", "info"),
    "approval.answered": ("iam", "info"),
    "mcp.approval": ("iam", "change"),
    "checkpoint.pruned": ("file", "deletion"),
    "tool.started": ("process", "start"),
    "tool.finished": ("process", "end"),
    "tool.refused": ("process", "denied"),
    "command.started": ("process", "start"),
    "command.output": ("process", "info"),
    "command.finished": ("process", "end"),
    "sandbox.violation": ("intrusion_detection", "denied"),
    "llm.request": ("web", "access"),
    "llm.response": ("web", "access"),
    "llm.reasoning": ("web", "info"),
    "provider.failover": ("web", "error"),
    "error": ("host", "error"),
}


def to_ecs(event: Event, *, host: str, user: str) -> dict[str, Any]:
    p = event.payload
    category, kind_type = _CATEGORIES.get(event.type, ("host", "info"))
    outcome = _outcome(event.type, p)
    ecs_type = kind_type
    if event.type in ("policy.decision", "approval.answered") and outcome != "unknown":
        ecs_type = "allowed" if outcome == "success" else "denied"
    doc: dict[str, Any] = {
        "@timestamp": json.loads(event.to_line())["ts"],
        "ecs": {"version": ECS_VERSION},
        "message": describe(event.type, p),
        "event": {
            "kind": "alert" if event.type == "sandbox.violation" else "event",
            "category": [category],
            "type": [ecs_type],
            "action": event.type,
            "outcome": outcome,
            "id": event.id,
            "sequence": event.seq,
            "dataset": "vtcode.audit",
            "module": "vtcode",
            "provider": event.actor,
            "hash": event.hash,
        },
        "host": {"hostname": host},
        "user": {"name": user},
        "vtcode": json.loads(event.to_line()),
    }
    approver = p.get("who") if event.type in ("approval.answered", "mcp.approval") else None
    if isinstance(approver, dict) and approver.get("user"):
        doc["user"] = {"name": approver["user"], "id": approver.get("uid")}
    if p.get("rule"):
        doc["rule"] = {"name": p["rule"]}
    process = _process(event.type, p)
    if process:
        doc["process"] = process
    if event.type == "command.finished" and isinstance(p.get("duration_s"), int | float):
        doc["event"]["duration"] = int(p["duration_s"] * 1_000_000_000)  # ECS: nanoseconds
    return doc


def _outcome(type: str, p: dict[str, Any]) -> str:
    if type == "policy.decision":
        return {"allow": "success", "deny": "failure"}.get(str(p.get("decision")), "unknown")
    if type == "approval.answered":
        return "failure" if p.get("answer") == "deny" else "success"
    if type == "tool.finished":
        return "success" if p.get("ok") else "failure"
    if type == "command.finished":
        return "success" if p.get("exit_code") == 0 else "failure"
    if type in ("plugin.blocked", "tool.refused", "sandbox.violation", "error"):
        return "failure"
    if type == "plugin.signed_off":
        return "success"
    return "unknown"


def _process(type: str, p: dict[str, Any]) -> dict[str, Any]:
    if type.startswith("command.") and isinstance(p.get("argv"), list) and p["argv"]:
        argv = [str(a) for a in p["argv"]]
        process: dict[str, Any] = {"command_line": shlex.join(argv), "args": argv, "name": argv[0]}
        if p.get("cwd"):
            process["working_directory"] = p["cwd"]
        if isinstance(p.get("pid"), int):
            process["pid"] = p["pid"]
        if type == "command.finished" and p.get("exit_code") is not None:
            process["exit_code"] = p["exit_code"]
        return process
    if type in ("policy.decision", "approval.requested") and isinstance(p.get("action"), dict):
        action = p["action"]
        if action.get("kind") == "command":
            return {"command_line": action_text(action)}
    return {}
