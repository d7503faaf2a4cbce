"""`vtcode exec` on a real pty, read through an independent terminal emulator (pyte), against the third
outside review of the human-in-the-loop layer (docs/decisions/1603):

- a prompt taller than the terminal scrolled what runs off the top while `y` ran it: it is paged now, and
  the answers are offered on its last page only;
- a key typed while the prompt appeared (someone still typing) answered it: a key counts only after a
  quiet moment;
- a write through a symlink was shown (and remembered) under the link's name: the prompt names the file
  it leads to, and "always" saves that file.
"""

from __future__ import annotations

import json
import os
import re
import select
import sys
import time
from pathlib import Path

import pyte
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from ptyprocess import PtyProcess

from vtcode.approvals.askers import QUIET_S
from vtcode.paths import user_config_dir
from vtcode.workspace.trust import write_trust

VTCODE = str(Path(sys.executable).parent / "vtcode")
ROWS, COLUMNS = 24, 100


class Exec:
    """`vtcode exec` on a pty of ROWS x COLUMNS; `screen()` is what a person sees now."""

    def __init__(self, workspace: Path, stub: OpenAIStub, rows: int = ROWS, columns: int = COLUMNS) -> None:
        argv = [VTCODE, "exec", "--provider", "openai-compat", "--base-url", stub.base_url,
                "--model", "stub-model", "--workspace", str(workspace), "do it"]
        env = {**os.environ, "VTCODE_AUDIT_DIR": str(workspace.parent / "audit"), "TERM": "xterm"}
        self.proc = PtyProcess.spawn(argv, env=env, dimensions=(rows, columns))
        self.seen = bytearray()
        self.emulator = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.emulator)

    def read_until(self, marker: bytes | None, timeout: float = 60.0, after: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while marker is None or marker not in self.seen[after:]:
            left = deadline - time.monotonic()
            assert left > 0, f"timed out waiting for {marker!r}: {bytes(self.seen)[-2000:]!r}"
            if not select.select([self.proc.fd], [], [], min(left, 0.2))[0]:
                continue
            try:
                chunk = os.read(self.proc.fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                assert marker is None, f"pty closed before {marker!r}: {bytes(self.seen)[-2000:]!r}"
                return
            self.seen += chunk
            self.stream.feed(chunk)

    def read_until_any(self, markers: tuple[bytes, ...], after: int = 0, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(m in self.seen[after:] for m in markers):
            assert time.monotonic() < deadline, f"timed out waiting for {markers!r}"
            self.settle(0.05)

    def settle(self, quiet: float = 0.3) -> None:
        """Read what is left to draw (the prompt is written whole, but may arrive in several reads)."""
        while select.select([self.proc.fd], [], [], quiet)[0]:
            try:
                chunk = os.read(self.proc.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.seen += chunk
            self.stream.feed(chunk)

    def screen(self) -> list[str]:
        return [line.rstrip() for line in self.emulator.display]

    def press(self, key: bytes) -> None:
        self.proc.write(key)

    def finish(self) -> int:
        try:
            self.read_until(None)
        finally:
            if self.proc.isalive():
                self.proc.terminate(force=True)
            self.proc.close()
        return self.proc.exitstatus if self.proc.exitstatus is not None else -1


def _tall_command(marker: str) -> str:
    """What runs first, then enough harmless commands to push it far above a 24-row screen."""
    return f"touch {marker}" + "; echo ok" * 80 + "; git push origin main"


def test_a_prompt_taller_than_the_terminal_is_paged_and_answers_wait_for_its_last_page(
    workspace: Path,
) -> None:
    """Invariant: while a key that allows is accepted, every line of the prompt has been on screen."""
    write_trust(workspace)
    call = ToolCallReply("run_command", {"command": _tall_command("planted.txt")})
    with OpenAIStub([Reply(tool_calls=[call]), Reply(text="done")]) as stub:
        run = Exec(workspace, stub)
        run.read_until(b"-- page 1 of ")
        run.settle()
        first = run.screen()
        # The top of the prompt, with what runs first, is on the first page a person sees.
        assert "vtcode: approval needed" in first
        assert any("runs: touch planted.txt" in line for line in first), first
        assert first[-1].startswith("-- page 1 of ") and "[y]" not in "\n".join(first)
        time.sleep(QUIET_S + 0.2)
        run.press(b"y")  # not an answer on a page that is not the last: denies, nothing runs
        status = run.finish()
    assert status != 0
    assert not (workspace / "planted.txt").exists()


def test_paging_to_the_last_page_offers_the_answers_and_every_line_was_shown(workspace: Path) -> None:
    write_trust(workspace)
    call = ToolCallReply("run_command", {"command": _tall_command("planted.txt")})
    with OpenAIStub([Reply(tool_calls=[call]), Reply(text="done")]) as stub:
        run = Exec(workspace, stub)
        run.read_until(b"-- page 1 of ")
        shown: list[str] = []
        pages = 0
        while True:
            run.settle()
            screen = run.screen()
            if not screen[-1].startswith("-- page "):
                break
            pages += 1
            shown += screen[:-1]
            mark = len(run.seen)
            run.press(b" ")
            run.read_until_any((b" -- ", b"[n] deny > "), after=mark)
        shown += screen
        assert pages >= 2
        assert screen[-1].endswith("[n] deny >")
        time.sleep(QUIET_S + 0.2)
        run.press(b"n")
        run.finish()
    text = "\n".join(shown)
    # Every sub-command was on screen at some point: the first, all 80 `echo ok`, the last.
    assert "runs: touch planted.txt" in text
    assert text.count("runs: echo ok") >= 80  # (the last page shows the end of the one before too)
    assert "runs: git push origin main" in text
    assert not (workspace / "planted.txt").exists()


def test_a_key_typed_while_the_prompt_appears_is_not_an_answer(workspace: Path) -> None:
    """Someone typing when the prompt appears: their letters (`y`, `s`, `a` among them) answer nothing;
    a key after a quiet moment does."""
    write_trust(workspace)
    call = ToolCallReply("run_command", {"command": "touch planted.txt; git push origin main"})
    with OpenAIStub([Reply(tool_calls=[call]), Reply(text="done")]) as stub:
        run = Exec(workspace, stub)
        run.read_until(b"[n] deny > ")
        for key in b"yes say again":  # typing on, a key every 50 ms
            run.press(bytes([key]))
            time.sleep(0.05)
        run.settle(0.2)
        assert run.proc.isalive()
        assert "is not an answer" in "\n".join(run.screen())
        assert not (workspace / "planted.txt").exists()
        time.sleep(QUIET_S + 0.2)
        run.press(b"n")
        run.finish()
    assert not (workspace / "planted.txt").exists()


def test_a_write_through_a_link_names_the_file_it_changes_and_this_workspace_saves_that_file(
    workspace: Path,
) -> None:
    write_trust(workspace)
    (workspace / "src").mkdir()
    (workspace / "src" / "auth.py").write_text("def check(p):\n    return compare(p, SECRET)\n")
    (workspace / "NOTES.md").symlink_to("src/auth.py")
    call = ToolCallReply("write_file", {"path": "NOTES.md", "content": "# Notes\n"})
    with OpenAIStub([Reply(tool_calls=[call]), Reply(text="written")]) as stub:
        run = Exec(workspace, stub, rows=40, columns=200)
        run.read_until(b"[n] deny > ")
        run.settle()
        screen = run.screen()
        time.sleep(QUIET_S + 0.2)
        run.press(b"w")
        status = run.finish()
    target = str(workspace / "src" / "auth.py")
    assert "  path:    NOTES.md (write)" in screen
    assert f"           -> a link: leads to {target}, the file this acts on" in screen, screen
    saves = [line for line in screen if line.startswith("  [w] saves: ")]
    assert saves and saves[0].endswith(f"approval_cache.tools.write_file: {target}"), saves
    assert status == 0
    saved = json.loads((user_config_dir() / "tool-policy.json").read_text())
    assert saved["approval_cache"]["tools"]["write_file"] == [target]


class _SessionStub(OpenAIStub):
    """A model that opens a shell session, then sends the given texts into it by the id it was given."""

    def __init__(self, sends: list[str]) -> None:
        super().__init__([Reply(tool_calls=[ToolCallReply("shell_session", {"action": "open"})])],
                         default=Reply(text="done"))
        self.sends = list(sends)

    def next_reply(self) -> Reply:
        if self.script or not self.sends:  # one request at a time: the agent waits for each reply
            return super().next_reply()
        told = json.dumps(self.chat_requests[-1]["messages"])
        found = re.search(r"shell session ([0-9a-f]{8}) open", told)
        if found is None:
            return Reply(text=f"no session id in: {told[-500:]}")
        text = self.sends.pop(0)
        return Reply(tool_calls=[ToolCallReply(
            "shell_session", {"action": "send", "session_id": found.group(1), "command": text})])


def test_a_send_into_a_shell_session_shows_what_earlier_sends_left_in_it(workspace: Path) -> None:
    """F6: `export MAKEFLAGS=...` in one send, then `make`: the prompt for `make` shows the exported
    value and where the shell is, read on a real pty through pyte; denied, nothing of it runs."""
    write_trust(workspace)
    (workspace / "Makefile").write_text("all:\n\t@echo built\n")
    user_config_dir().mkdir(parents=True, exist_ok=True)
    (user_config_dir() / "vtcode.toml").write_text('[tools.policies]\nshell_session = "allow"\n')
    with _SessionStub(["export MAKEFLAGS='--eval=$(shell touch PWNED)'", "make"]) as stub:
        run = Exec(workspace, stub, rows=40)
        run.read_until(b"[n] deny > ")
        run.settle()
        screen = "\n".join(run.screen())
        time.sleep(QUIET_S + 0.2)
        run.press(b"n")
        run.finish()
    assert "command: make" in screen, screen
    assert "shell in: . (where the session's shell is now)" in screen, screen
    assert "carries: MAKEFLAGS=--eval=$(shell touch PWNED)" in screen, screen
    assert not (workspace / "PWNED").exists()
