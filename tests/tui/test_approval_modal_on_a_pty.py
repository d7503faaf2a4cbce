"""The TUI on a real pty, driven through its key bindings and read through pyte, against the third outside
review (docs/decisions/1603):

- the approval modal opened while the person was typing their next message, and the `s` of "please"
  allowed a `curl` for the session: a key that allows counts only after a quiet moment;
- an action taller than the modal was scrolled to its end (the focused Deny button) and what ran first was
  above the view: the modal starts at the top, and allowing waits until it was scrolled to its end;
- the tool panel's title read the model's command as Textual markup: `echo [/]` killed the TUI with a
  traceback, `[black on black]` hid text.
"""

from __future__ import annotations

import json
import os
import select
import sys
import time
from pathlib import Path

import pyte
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from helpers.tui import stub_overrides
from ptyprocess import PtyProcess

from vtcode.tui.screens.approval import QUIET_S
from vtcode.workspace.trust import write_trust

VTCODE = str(Path(sys.executable).parent / "vtcode")
PAGE_DOWN = b"\x1b[6~"


class Tui:
    def __init__(self, workspace: Path, stub: OpenAIStub, audit: Path, rows: int = 30, columns: int = 110):
        argv = [VTCODE, "--workspace", str(workspace)]
        for override in stub_overrides(stub.base_url):
            argv += ["-c", override]
        env = {**os.environ, "TERM": "xterm-256color", "VTCODE_AUDIT_DIR": str(audit)}
        self.proc = PtyProcess.spawn(argv, env=env, dimensions=(rows, columns))
        self.emulator = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.emulator)
        self.seen = bytearray()

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if select.select([self.proc.fd], [], [], min(left, 0.05))[0]:
                try:
                    chunk = os.read(self.proc.fd, 1 << 16)
                except OSError:
                    return
                self.seen += chunk
                self.stream.feed(chunk)

    def until(self, text: str, *alternatives: str, timeout: float = 60.0) -> None:
        """Until `text` (or one of the alternatives: the same fact shown in another place) is on screen."""
        deadline = time.monotonic() + timeout
        while not any(t in self.text() for t in (text, *alternatives)):
            assert self.proc.isalive(), f"the TUI exited before {text!r}: {self.text()}"
            assert time.monotonic() < deadline, f"timed out waiting for {text!r}: {self.text()}"
            self.pump(0.1)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.emulator.display)

    def type(self, text: str, every: float = 0.0) -> None:
        for ch in text:
            self.proc.write(ch.encode())
            self.pump(every or 0.01)

    def press(self, key: bytes) -> None:
        self.proc.write(key)
        self.pump(0.3)

    def close(self) -> None:
        self.proc.terminate(force=True)
        self.proc.close()


def _answers(audit: Path) -> list[str]:
    found = []
    for log in audit.glob("*.jsonl"):
        for line in log.read_text().splitlines():
            event = json.loads(line)
            if event["type"] == "approval.answered":
                found.append(event["payload"]["answer"])
    return found


def test_keys_typed_for_the_next_message_do_not_answer_the_modal(workspace: Path, tmp_path: Path) -> None:
    """Invariant: no key pressed less than QUIET_S after the modal appeared, or after another key, allows."""
    write_trust(workspace)
    call = ToolCallReply("run_command", {"command": "touch planted.txt; git push origin main"})
    audit = tmp_path / "audit"
    with OpenAIStub([Reply(tool_calls=[call]), Reply(text="done")]) as stub:
        ui = Tui(workspace, stub, audit)
        try:
            ui.pump(2.0)
            ui.until("[ok]")
            ui.type("push it\r")
            ui.until("Approval needed")
            ui.type("yes, and then please summarise it all", every=0.08)  # typing on: y, s and a in it
            ui.pump(0.5)
            assert "Approval needed" in ui.text()  # still asking
            assert "stop typing" in ui.text()  # and says why the keys did nothing
            assert not (workspace / "planted.txt").exists()
            time.sleep(QUIET_S + 0.2)
            ui.press(b"n")
            ui.until("denied")
        finally:
            ui.close()
    assert _answers(audit) == ["deny"]
    assert not (workspace / "planted.txt").exists()


def test_a_key_after_a_quiet_moment_answers(workspace: Path, tmp_path: Path) -> None:
    write_trust(workspace)
    call = ToolCallReply("run_command", {"command": "touch planted.txt; git push origin main"})
    audit = tmp_path / "audit"
    with OpenAIStub([Reply(tool_calls=[call]), Reply(text="done")]) as stub:
        ui = Tui(workspace, stub, audit)
        try:
            ui.pump(2.0)
            ui.until("[ok]")
            ui.type("push it\r")
            ui.until("Approval needed")
            ui.pump(QUIET_S + 0.2)
            ui.press(b"y")
            ui.until("done")
        finally:
            ui.close()
    assert _answers(audit) == ["allow-once"]
    assert (workspace / "planted.txt").exists()


def test_a_tall_action_starts_at_its_top_and_allows_only_once_scrolled_to_its_end(
    workspace: Path, tmp_path: Path
) -> None:
    write_trust(workspace)
    command = "touch planted.txt" + "; echo ok" * 60 + "; git push origin main"
    call = ToolCallReply("run_command", {"command": command})
    audit = tmp_path / "audit"
    with OpenAIStub([Reply(tool_calls=[call]), Reply(text="done")]) as stub:
        ui = Tui(workspace, stub, audit)
        try:
            ui.pump(2.0)
            ui.until("[ok]")
            ui.type("push it\r")
            ui.until("Approval needed")
            ui.pump(QUIET_S + 0.5)
            screen = ui.text()
            assert "command  touch planted.txt; echo ok" in screen  # the top: what runs first
            assert "runs   touch planted.txt" in screen
            ui.press(b"y")  # the end was never on screen: not taken
            ui.pump(0.5)
            assert "Approval needed" in ui.text() and "before allowing it" in ui.text()
            assert not (workspace / "planted.txt").exists()
            for _ in range(6):
                ui.press(PAGE_DOWN)
            assert "runs   git push origin main" in ui.text()
            ui.pump(QUIET_S + 0.2)
            ui.press(b"y")
            # The command ran (git push fails: no repository): the panel's title says so, or, once the
            # chat has scrolled its long output into view, the output's last line does.
            ui.until("(exit ", "[exit code ")
        finally:
            ui.close()
    assert _answers(audit) == ["allow-once"]
    assert (workspace / "planted.txt").exists()


def test_markup_in_a_command_or_tool_name_is_shown_as_text(workspace: Path, tmp_path: Path) -> None:
    write_trust(workspace)
    calls = [
        ToolCallReply("run_command", {"command": "echo [/] [black on black]hidden[/]"}),
        ToolCallReply("read[/]", {}),
    ]
    audit = tmp_path / "audit"
    with OpenAIStub([Reply(tool_calls=calls), Reply(text="all done")]) as stub:
        ui = Tui(workspace, stub, audit)
        try:
            ui.pump(2.0)
            ui.until("[ok]")
            ui.type("say it\r")
            ui.until("all done")
            screen = ui.text()
        finally:
            ui.close()
    assert "MarkupError" not in screen and "Traceback" not in screen
    assert "run_command echo [/] [black on black]hidden[/]" in screen  # the title, literally
    assert "read[/]" in screen
