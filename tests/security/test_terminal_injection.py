"""Escape sequences from the model never reach the person's terminal: `vtcode exec` on a real pty, the model
played by a server on 127.0.0.1, the screen read back through an independent terminal emulator (pyte).

The attack of the review: a command ending in a shell comment that holds ESC[2K, CR and a fake prompt for
`ls -la`. Raw, the `policy.decision` and `approval.requested` lines on stderr erased themselves and the screen
showed only the fake prompt; the person pressed `y` and the real command ran.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pyte
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from ptyprocess import PtyProcess

from vtcode.approvals.askers import QUIET_S
from vtcode.workspace.trust import write_trust

VTCODE = str(Path(sys.executable).parent / "vtcode")
FAKE = "\x1b[2K\r\x1b[1A\x1b[2K\rvtcode: approval needed\r\n  command: ls -la"
HOSTILE_SHELL = f"git push origin main # {FAKE}"
# Everything the injected text uses; vtcode's own output is plain text (its one reset precedes the prompt).
INJECTED = ("\x1b[2K", "\x1b[1A", "\x1b]", "\x1b[8m", "\u202e", "\u200b", "\x07")


def _run_on_pty(workspace: Path, stub: OpenAIStub, key: bytes, *extra: str) -> tuple[bytes, int]:
    argv = [VTCODE, "exec", "--provider", "openai-compat", "--base-url", stub.base_url,
            "--model", "stub-model", "--workspace", str(workspace), *extra, "push it"]
    env = {**os.environ, "VTCODE_AUDIT_DIR": str(workspace.parent / "audit"), "TERM": "xterm"}
    proc = PtyProcess.spawn(argv, env=env, dimensions=(60, 220))
    seen = bytearray()
    try:
        _read_until(proc, seen, b"[n] deny > ")
        time.sleep(QUIET_S + 0.2)  # a person reads the prompt before answering (a key at once is no answer)
        proc.write(key)
        _read_until(proc, seen, None)
    finally:
        if proc.isalive():
            proc.terminate(force=True)
        proc.close()
    return bytes(seen), proc.exitstatus if proc.exitstatus is not None else -1


def _read_until(proc: PtyProcess, seen: bytearray, marker: bytes | None, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while marker is None or marker not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"timed out waiting for {marker!r}: {bytes(seen)[-2000:]!r}"
        ready, _, _ = select.select([proc.fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(proc.fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            assert marker is None, f"pty closed before {marker!r}: {bytes(seen)[-2000:]!r}"
            return
        seen += chunk


def _screen(data: bytes) -> list[str]:
    screen = pyte.Screen(220, 400)
    stream = pyte.ByteStream(screen)
    stream.feed(data)
    return [line.rstrip() for line in screen.display]


def test_a_command_that_repaints_the_screen_is_shown_as_it_is(workspace: Path) -> None:
    write_trust(workspace)
    script = [Reply(tool_calls=[ToolCallReply("run_command", {"command": HOSTILE_SHELL})]),
              Reply(text="ok \x1b]0;pwned\x07\x1b[8mhidden\u202e")]
    with OpenAIStub(script) as stub:
        output, status = _run_on_pty(workspace, stub, b"n")
    for raw in INJECTED:
        assert raw.encode() not in output, raw
    screen = _screen(output)
    text = "\n".join(screen)
    # Every line that names the command names the real one, with the escapes visible.
    visible = ("git push origin main # \\x1b[2K\\r\\x1b[1A\\x1b[2K\\rvtcode: approval needed"
               "\\r\\n  command: ls -la")
    assert f"  command: {visible}" in screen, text
    assert "  command: ls -la" not in screen, text  # the fake prompt is nowhere on its own line
    assert any(line.startswith("vtcode: policy.decision:") and visible in line for line in screen), text
    assert any(line.startswith("vtcode: approval.requested:") and visible in line for line in screen), text
    # The prompt is the last thing drawn before the answer: its key line ends the screen at that point.
    before_answer = output[: output.index(b"[n] deny > ") + len(b"[n] deny > ")]
    last = [line for line in _screen(before_answer) if line.strip()][-1]
    assert last.endswith("[n] deny >"), last
    # The final answer, on a terminal, is neutralised too.
    assert any(line == "ok \\x1b]0;pwned\\x07\\x1b[8mhidden\\u202e" for line in screen), text
    assert status == 4, status  # denied: the model stopped after the refusal


def test_piped_stdout_carries_the_answer_exactly(workspace: Path) -> None:
    answer = "ok \x1b]0;pwned\x07\u202e"
    with OpenAIStub([Reply(text=answer)]) as stub:
        result = subprocess.run(
            [VTCODE, "exec", "--provider", "openai-compat", "--base-url", stub.base_url,
             "--model", "stub-model", "--workspace", str(workspace), "--events", "jsonl", "hi"],
            capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
            env={**os.environ, "VTCODE_AUDIT_DIR": str(workspace.parent / "audit")},
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (answer + "\n").encode()  # data for a program: byte for byte
    # stderr (events as JSON lines) stays inert and is still the same JSON.
    assert b"\x1b" not in result.stderr and "\u202e".encode() not in result.stderr
    events = [json.loads(line) for line in result.stderr.decode().splitlines() if line.startswith("{")]
    assert events[0]["type"] == "session.started" and events[-1]["type"] == "session.ended"


def test_a_write_is_approved_on_one_key_after_its_diff_and_the_digest_is_of_what_was_written(
    workspace: Path,
) -> None:
    write_trust(workspace)
    (workspace / "notes.txt").write_text("keep\nold line\n")
    content = "keep\nnew line\n"
    call = ToolCallReply("write_file", {"path": "notes.txt", "content": content})
    with OpenAIStub([Reply(tool_calls=[call]), Reply(text="written")]) as stub:
        output, status = _run_on_pty(workspace, stub, b"y", "--events", "jsonl")
    before = output[: output.index(b"[n] deny > ") + len(b"[n] deny > ")]
    screen = [line for line in _screen(before) if line.strip()]
    assert "  path:    notes.txt (write)" in screen
    for line in ("    -old line", "    +new line", "    --- a/notes.txt", "    +++ b/notes.txt"):
        assert line in screen, (line, screen)
    assert any(line.startswith("  [w] saves: ") and "approval_cache.tools.write_file: " in line
               and line.rstrip().endswith("notes.txt") for line in screen), screen
    assert status == 0, output[-2000:]
    assert (workspace / "notes.txt").read_text() == content  # one key, no Enter
    events = [json.loads(line) for line in _screen_free_lines(output) if line.startswith('{"')]
    asked = [e["payload"]["digest"] for e in events if e["type"] == "approval.requested"]
    started = [e["payload"]["digest"] for e in events if e["type"] == "tool.started"]
    assert len(asked) == 1 and asked == started


def _screen_free_lines(output: bytes) -> list[str]:
    """The raw lines written (JSON event lines are whole lines on the pty)."""
    return output.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n")
