"""shell_session: a persistent bash on a PTY inside the sandbox; state persists, Ctrl-C works, close kills."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the Landlock backend is Linux-only")


def test_session_keeps_state_between_sends(tool: Any, workspace: Path, seen: Any) -> None:
    (workspace / "sub").mkdir()
    opened = tool("shell_session", action="open", wait_s=0.5)
    sid = opened.data["session_id"]
    assert opened.ok and "seccomp" in opened.data["enforced"]
    tool("shell_session", action="send", session_id=sid, command="cd sub && export GREETING=hi", wait_s=0.5)
    out = tool("shell_session", action="send", session_id=sid, command='echo "$PWD $GREETING"', wait_s=1)
    assert f"{workspace}/sub hi" in out.output
    assert seen("command.started")[-1]["terminal"] is True
    closed = tool("shell_session", action="close", session_id=sid)
    assert closed.ok and seen("command.finished")


def test_interrupt_stops_the_foreground_job(tool: Any) -> None:
    sid = tool("shell_session", action="open", wait_s=0.3).data["session_id"]
    tool("shell_session", action="send", session_id=sid, command="sleep 100", wait_s=0.3)
    tool("shell_session", action="interrupt", session_id=sid, wait_s=0.5)
    after = tool("shell_session", action="send", session_id=sid, command="echo still-here", wait_s=1)
    assert "still-here" in after.output
    tool("shell_session", action="close", session_id=sid)


def test_session_is_confined_and_close_kills_background_jobs(
    tool: Any, workspace: Path, tmp_path: Path
) -> None:
    sid = tool("shell_session", action="open", wait_s=0.3).data["session_id"]
    out = tool(
        "shell_session",
        action="send",
        session_id=sid,
        command=f"echo x > {tmp_path}/escape; sleep 300 & echo $! > bg.pid",
        wait_s=1,
    )
    assert "Read-only file system" in out.output and not (tmp_path / "escape").exists()
    tool("shell_session", action="close", session_id=sid)
    pid = int((workspace / "bg.pid").read_text())
    stat = Path(f"/proc/{pid}/stat")
    assert not stat.exists() or stat.read_text().split(") ")[1][0] == "Z"


def test_exited_shell_is_reported_and_cleaned_up(tool: Any) -> None:
    sid = tool("shell_session", action="open", wait_s=0.3).data["session_id"]
    result = tool("shell_session", action="send", session_id=sid, command="exit 4", wait_s=2)
    assert not result.ok and "the shell exited" in result.output
    assert not tool("shell_session", action="read", session_id=sid).ok  # gone


def test_arguments_say_which_action_needs_what(tool: Any) -> None:
    with pytest.raises(ValidationError, match="required for action 'send'"):
        tool("shell_session", action="send", session_id="x")
    with pytest.raises(ValidationError, match="needs the session_id"):
        tool("shell_session", action="read")
