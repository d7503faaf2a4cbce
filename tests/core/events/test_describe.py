"""The one-line description of every event type (stderr, `vtcode audit tail`, SIEM messages) reads the
keys its payload really has. Payloads are built from each type's own schema, once with every field set
and once with only the required ones: the line never shows `None`, and it shows the value of every
required field a person needs. Then real payloads: `vtcode sandbox run` writes a log and `vtcode audit
tail` must show the sandbox mode, the exit status and the duration it recorded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from vtcode_hookspecs import PAYLOADS

from vtcode.events.describe import describe

VTCODE = str(Path(sys.executable).parent / "vtcode")
# Required fields a person does not need in one line (the full event keeps them).
NOT_SHOWN = {
    ("approval.requested", "digest"),
    ("approval.answered", "digest"),
    ("workspace.trust", "trusted"),
    # the backend is named by sandbox.selected; these lines say what it did, as their reason or message
    ("sandbox.applied", "name"),
    ("sandbox.denied", "name"),
    ("sandbox.unsandboxed", "name"),
    ("sandbox.full_access", "name"),
}


def _sample(schema: dict[str, Any], defs: dict[str, Any], name: str, full: bool) -> Any:
    if "$ref" in schema:
        return _sample(defs[schema["$ref"].rsplit("/", 1)[1]], defs, name, full)
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if option.get("type") != "null"]
        return _sample(options[0], defs, name, full)
    if "enum" in schema:
        return schema["enum"][-1]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "string":
        return f"{name.replace('_', '-')}-value"
    if kind == "integer":
        return 7
    if kind == "number":
        return 2.5
    if kind == "boolean":
        return True
    if kind == "array":
        items = schema.get("prefixItems") or [schema.get("items", {"type": "string"})]
        return [_sample(item, defs, f"{name}{i}", full) for i, item in enumerate(items)]
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        if not properties:
            extra = schema.get("additionalProperties")
            value = _sample(extra, defs, name, full) if isinstance(extra, dict) and extra else "value"
            return {"key": value}
        return {
            key: _sample(sub, defs, key, full) for key, sub in properties.items() if full or key in required
        }
    return f"{name}-value"


def payload_for(event_type: str, *, full: bool) -> dict[str, Any]:
    model = PAYLOADS[event_type]
    schema = model.model_json_schema()
    payload = _sample(schema, schema.get("$defs", {}), event_type, full)
    model.model_validate(payload)  # a payload the schema accepts, as the bus would
    return payload


@pytest.mark.parametrize("event_type", sorted(PAYLOADS))
@pytest.mark.parametrize("full", [True, False], ids=["every-field", "required-only"])
def test_every_event_type_is_described_from_its_schema(event_type: str, full: bool) -> None:
    payload = payload_for(event_type, full=full)
    line = describe(event_type, payload)
    assert line and "\n" not in line
    assert "None" not in line, line
    assert "{" not in line or event_type == "tool.started", f"raw JSON instead of a description: {line}"
    schema = PAYLOADS[event_type].model_json_schema()
    for field in schema.get("required", []):
        value = payload[field]
        if (event_type, field) in NOT_SHOWN or not isinstance(value, str | int | float):
            continue
        shown = value if not isinstance(value, bool) else None
        if shown is not None:
            assert str(shown) in line, f"{event_type}: required {field}={value!r} not in {line!r}"


def test_every_optional_field_that_matters_is_shown() -> None:
    started = describe("command.started", payload_for("command.started", full=True))
    assert "[sandbox mode-value via backend-value]" in started and "in cwd-value" in started
    finished = describe("command.finished", payload_for("command.finished", full=True))
    assert "after 2.5 s" in finished and "exit" not in finished  # timed_out=True wins over the exit code
    plain = describe("command.finished", {"exit_code": 3, "duration_s": 0.25, "argv": ["make"]})
    assert plain == "make exit 3 after 0.25 s"
    assert describe("command.finished", {"exit_code": 137, "duration_s": 1}) == "killed by signal 9 after 1 s"
    old = describe("command.finished", {"exit": None, "signal": 15, "duration_ms": 1500.0})
    assert old == "killed by signal 15 after 1.5 s"  # a log written before the payload followed the schema
    assert describe("command.started", {"argv": ["true"], "cwd": "/w", "sandbox": "read-only"}) == (
        "true in /w [sandbox read-only]"
    )
    response = describe("llm.response", payload_for("llm.response", full=True))
    assert "7 tokens in, 7 out" in response and "provider-value/model-value" in response


def test_audit_tail_shows_what_sandbox_run_recorded(tmp_path: Path, workspace: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, "VTCODE_AUDIT_DIR": str(tmp_path)}
    ran = subprocess.run(
        [VTCODE, "sandbox", "run", "--", "sh", "-c", "exit 3"],
        cwd=workspace, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ran.returncode == 3, ran.stderr
    tail = subprocess.run(
        [VTCODE, "audit", "tail", "-n", "5"],
        cwd=workspace, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert tail.returncode == 0, tail.stderr
    lines = {line.split()[2]: line for line in tail.stdout.splitlines() if len(line.split()) > 2}
    assert "None" not in tail.stdout, tail.stdout
    assert "[sandbox workspace-write via " in lines["command.started"], lines["command.started"]
    assert "sh -c 'exit 3' in " in lines["command.started"]
    assert " exit 3 after " in lines["command.finished"], lines["command.finished"]
