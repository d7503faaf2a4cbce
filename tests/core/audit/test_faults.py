"""Faults: a session killed mid-write, and an audit dir that cannot be written (fail closed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from vtcode_hookspecs import Event

from vtcode.approvals import Answer, ApprovalBroker, ApprovalPrompt
from vtcode.audit import verify_logs
from vtcode.events import AuditUnavailable
from vtcode.policy.assemble import open_policy
from vtcode.runtime import open_runtime
from vtcode.tools import ToolRunner

TESTS = Path(__file__).resolve().parents[2]
VTCODE = str(Path(sys.executable).parent / "vtcode")

CHILD = """
import sys
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from helpers.audit_logs import audit_bus, decision
bus, sink = audit_bus(Path(sys.argv[1]))
bus.start({"workspace": sys.argv[1]})
i = 0
while True:
    for _ in range(5):
        bus.emit("command.output", {"argv": ["yes"], "bytes": 4096, "text": "y" * 200})
    event = bus.emit("policy.decision", decision(f"echo {i}"))
    print(event.seq, flush=True)  # the action would run now: its decision is on disk
    i += 1
"""


def test_sigkill_mid_session_leaves_a_log_verified_up_to_its_last_event(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path), str(TESTS)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    acted = [int(child.stdout.readline()) for _ in range(200)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    [report] = verify_logs([tmp_path / "s1.jsonl"])
    assert report.status == "incomplete" and report.findings == []
    assert report.last_seq is not None and report.last_seq >= acted[-1]  # nothing lost before an action
    strict = subprocess.run(
        [VTCODE, "audit", "verify", str(tmp_path / "s1.jsonl")], capture_output=True, text=True, timeout=60
    )
    assert strict.returncode == 1 and "INCOMPLETE" in strict.stdout
    lenient = subprocess.run(
        [VTCODE, "audit", "verify", "--allow-incomplete", str(tmp_path / "s1.jsonl")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert lenient.returncode == 0, lenient.stdout


class RefusingAsker:
    who = {"user": "tester", "source": "test"}

    def ask(self, prompt: ApprovalPrompt) -> Answer:
        return Answer.DENY


def test_unwritable_audit_dir_refuses_actions_with_a_one_line_error(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the audit dir should be")
    monkeypatch.setenv("VTCODE_AUDIT_DIR", str(blocker / "audit"))
    (workspace / "a.txt").write_text("secret plans\n")
    runtime = open_runtime(workspace)
    assert "event sink jsonl" in capsys.readouterr().err  # said on stderr as soon as the session opens
    setup = open_policy(workspace, reviewers=False)
    runner = ToolRunner(
        runtime.plugins.registries.tools,
        setup.engine,
        ApprovalBroker(RefusingAsker(), runtime.bus),
        runtime.bus,
        setup.jail,
    )
    with pytest.raises(AuditUnavailable) as caught:
        runner.call("read_file", {"path": "a.txt"}, call_id="c1")
    message = str(caught.value)
    assert (
        "\n" not in message and str(blocker) in message and message.startswith("refusing to run the action")
    )
    types = [e.type for e in runtime.bus.history]
    assert (
        "policy.decision" in types and "tool.started" not in types
    )  # decided, recorded where possible, not run


def test_audited_session_from_the_runtime_verifies(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VTCODE_AUDIT_DIR", str(tmp_path / "audit"))
    runtime = open_runtime(workspace)
    runtime.bus.emit(
        "policy.decision",
        {
            "action": {"kind": "tool", "tool": "read_file", "path": "a"},
            "decision": "allow",
            "reason": "policy",
        },
    )
    runtime.bus.close()
    [log] = list((tmp_path / "audit").glob("*.jsonl"))
    assert oct(log.stat().st_mode & 0o777) == "0o600"
    [report] = verify_logs([log])
    assert report.status == "ok", report.findings
    first = Event.model_validate_json(log.read_text().splitlines()[0])
    assert first.type == "session.started" and first.payload["workspace"] == str(workspace)
    assert {"config.loaded", "workspace.trust", "plugin.signed_off"} <= {e.type for e in runtime.bus.history}
