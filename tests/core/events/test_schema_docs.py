"""The event schema reference and JSON Schema are generated from the models, so they cannot drift."""

from __future__ import annotations

import json
from pathlib import Path

from vtcode_hookspecs import PAYLOADS, SECURITY_EVENTS

from vtcode.events.schema import event_schema, replace_reference

DOC = Path(__file__).resolve().parents[3] / "docs" / "security" / "audit.md"


def test_audit_reference_is_generated_from_the_models() -> None:
    text = DOC.read_text()
    assert text == replace_reference(text), (
        "regenerate: python -m vtcode.events.schema docs/security/audit.md"
    )


def test_every_issue_event_type_has_a_typed_payload() -> None:
    required = {
        "session.started",
        "session.ended",
        "config.loaded",
        "plugin.discovered",
        "plugin.signed_off",
        "plugin.blocked",
        "workspace.trust",
        "policy.decision",
        "approval.requested",
        "approval.answered",
        "tool.started",
        "tool.finished",
        "command.started",
        "command.output",
        "command.finished",
        "sandbox.violation",
        "llm.request",
        "llm.response",
        "llm.reasoning",
        "provider.failover",
        "error",
    }
    assert required <= set(PAYLOADS)
    assert {
        "policy.decision",
        "approval.requested",
        "approval.answered",
        "command.started",
        "mcp.approval",  # an MCP server's approval: durable before the approvals file changes
        "checkpoint.pruned",  # durable before checkpoints that could be restored are dropped
    } == SECURITY_EVENTS


def test_json_schema_constrains_payload_by_type() -> None:
    schema = event_schema()
    branches = {b["if"]["properties"]["type"]["const"]: b["then"] for b in schema["allOf"]}
    assert set(branches) == set(PAYLOADS)
    decision = schema["$defs"][branches["policy.decision"]["properties"]["payload"]["$ref"].rsplit("/", 1)[1]]
    assert set(decision["required"]) == {"action", "decision", "reason"}
    assert json.loads(json.dumps(schema))["$id"] == "vtcode.exec-events/1"
