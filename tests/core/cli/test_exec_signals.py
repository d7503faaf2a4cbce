"""`vtcode exec` ended the ways a session really ends: Ctrl-C in its terminal, the terminal closed (SIGHUP),
`kill` (SIGTERM), while the model streams and while a command runs. Each time the process exits promptly
with 128 + the signal, and its audit log is flushed and closed: `vtcode audit verify` says complete."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from helpers.terminal import Terminal, audit_verify, vtcode_bin

from vtcode.workspace.trust import write_trust

HOW = ["ctrl+c", "SIGINT", "SIGTERM", "SIGHUP", "terminal closed"]
SLOW_TEXT = Reply(text="word " * 400, piece=5, interval_s=0.05)  # ~20 s of streaming
LONG_COMMAND = Reply(tool_calls=[ToolCallReply("run_command", {"command": "echo started; sleep 30"})])


def _types(audit_dir: Path) -> list[str]:
    logs = sorted(audit_dir.glob("*.jsonl"))
    if not logs:
        return []
    return [json.loads(line)["type"] for line in logs[0].read_bytes().splitlines() if line.strip()]


def _wait_on_disk(audit_dir: Path, event_type: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while event_type not in _types(audit_dir):
        assert time.monotonic() < deadline, f"{event_type} never reached the log on disk: {_types(audit_dir)}"
        time.sleep(0.05)


def _end(terminal: Terminal, how: str) -> int:
    """Do it; return the exit status expected."""
    if how == "ctrl+c":
        terminal.press("ctrl+c")  # the terminal turns it into SIGINT for the foreground process group
        return 130
    if how == "terminal closed":
        terminal.hang_up()
        return 128 + signal.SIGHUP
    signum = signal.Signals[how]
    terminal.signal(signum)
    return 128 + signum


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("during", ["streaming", "command"])
def test_exec_ended_by_a_signal_closes_its_log(
    how: str, during: str, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit_dir = tmp_path / "audit"
    write_trust(workspace)  # commands run only in a trusted workspace
    monkeypatch.setenv("VTCODE_AUDIT_DIR", str(audit_dir))
    script = [SLOW_TEXT] if during == "streaming" else [LONG_COMMAND, Reply(text="never asked")]
    with OpenAIStub(script) as stub:
        argv = [
            vtcode_bin(), "exec", "--provider", "openai-compat", "--base-url", stub.base_url,
            "--model", "stub-model", "--approval-mode", "never", "do the thing",
        ]  # fmt: skip
        terminal = Terminal(argv, cwd=workspace)
        try:
            _wait_on_disk(audit_dir, "llm.request" if during == "streaming" else "command.started")
            if during == "command":
                terminal.wait_for(b"started")  # the command's output: it is running
            time.sleep(0.5)
            expected = _end(terminal, how)
            code, killed_by = terminal.wait_exit(10.0)
        finally:
            terminal.kill()
    assert (code, killed_by) == (expected, None), terminal.output()[-800:]
    (log,) = sorted(audit_dir.glob("*.jsonl"))
    verified = audit_verify(log)
    assert verified.returncode == 0 and "closed by session.ended" in verified.stdout, verified.stdout
    types = _types(audit_dir)
    assert types[-1] == "session.ended"
    # The run's last line says what ended it: not "the user pressed Ctrl-C" when `kill` or a hang-up did.
    said = terminal.output().decode("utf-8", errors="replace")
    if how in ("SIGTERM", "SIGHUP"):
        assert how in said and "Ctrl-C" not in said, said[-800:]
    if during == "command":
        assert "command.finished" in types  # the command's end is recorded, not lost with the process
