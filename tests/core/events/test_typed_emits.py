"""Typed events end to end: every event vtcode (core and built-in plugins) records is built from its
payload model, so a misspelt key or a wrong type fails where the event is made, not in a SIEM later."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from vtcode_hookspecs import EVENT_TYPES, PAYLOADS, Error, Payload, ToolFinished

from vtcode.events import EventBus, EventPayloadError

REPO = Path(__file__).resolve().parents[3]
SOURCES = sorted([*(REPO / "vtcode").rglob("*.py"), *(REPO / "plugins").rglob("*.py")])
# The places a dict may pass: a tool's ToolContext.emit, and a tool source's relay in the stack (MCP's
# mcp.server events), both for a plugin's own event types; the bus checks a type's model when it has one.
PASSTHROUGH = {("vtcode/tools/call_context.py", "emit"), ("vtcode/agent/stack.py", "emit")}


def dict_emits(source: str, where: str) -> list[str]:
    """Calls `x.emit(TYPE, PAYLOAD, ...)`: an event handed over as a type and a dict."""
    found: list[str] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if _emit_with_a_payload(node) and (where, function) not in PASSTHROUGH:
            found.append(f"{where}:{node.lineno}")  # type: ignore[attr-defined]
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(ast.parse(source), "")
    return found


def _emit_with_a_payload(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    return node.func.attr == "emit" and len(node.args) + len(node.keywords) >= 2


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_emit_site_hands_over_a_bare_dict(path: Path) -> None:
    where = str(path.relative_to(REPO))
    found = dict_emits(path.read_text(encoding="utf-8"), where)
    assert found == [], "build the payload model and record() it"


def test_the_scan_sees_a_dict_emit() -> None:
    assert dict_emits('bus.emit("error", {"message": "x"})', "vtcode/x.py") == ["vtcode/x.py:1"]
    assert dict_emits('def f(ctx):\n    ctx.emit("command.started", payload)\n', "plugins/p.py")
    assert dict_emits("bus.record(Error(message='x'))\nsink.emit(event)\n", "vtcode/x.py") == []


def test_every_event_type_has_its_own_model() -> None:
    assert len(set(PAYLOADS.values())) == len(PAYLOADS)
    assert {EVENT_TYPES[model]: model for model in PAYLOADS.values()} == PAYLOADS


def test_record_takes_the_type_from_the_model() -> None:
    bus = EventBus(session="s")
    event = bus.record(ToolFinished(tool="read_file", ok=True))
    assert event.type == "tool.finished" and event.payload == {"tool": "read_file", "ok": True}


def test_record_refuses_a_model_no_event_type_owns() -> None:
    class Stray(Payload):
        message: str

    bus = EventBus(session="s")
    with pytest.raises(EventPayloadError, match="Stray is not the payload model"):
        bus.record(Stray(message="x"))
    assert bus.history == []


def test_a_typed_payload_dumps_as_the_dict_form_did() -> None:
    """Moving from dicts to models changed nothing on disk: the same keys, unset defaults left out."""
    typed, untyped = EventBus(session="s"), EventBus(session="s")
    typed.record(Error(message="m", sink="jsonl"))
    untyped.emit("error", {"message": "m", "sink": "jsonl"})
    assert typed.history[0].payload == untyped.history[0].payload == {"message": "m", "sink": "jsonl"}
