"""TerminalAsker on a real pseudo-terminal: a child process whose controlling terminal is the pty asks,
the test types the answer. Without a controlling terminal, nobody can consent: deny."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import pytest
from ptyprocess import PtyProcess

# The child builds a prompt like the broker's and asks on /dev/tty; stdout is the pty too (or a pipe).
CHILD = r"""
import sys
from vtcode_hookspecs import ActionRequest, Decision, Verdict
from vtcode.approvals import Answer, ApprovalPrompt, TerminalAsker

offers = tuple(Answer(o) for o in sys.argv[1].split(","))
shell = sys.argv[2]
prompt = ApprovalPrompt(
    ActionRequest(kind="command", tool="run_command", shell=shell),
    Decision(verdict=Verdict.PROMPT, reason="pushing needs a person", rule="commands.git.push"),
    (("git", "push", "origin", "main"), ("ls", "-la")),
    "sha256:" + "ab" * 32,
    offers,
)
asker = TerminalAsker()
answer = asker.ask(prompt)
print("ANSWER=" + answer.value + " TTY=" + asker.who["tty"] + " SOURCE=" + asker.who["source"], flush=True)
"""

ALL = "allow-once,allow-session,allow-always,deny"
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


def _ask_on_pty(typed: str, offers: str = ALL, shell: str = SHELL) -> tuple[str, str]:
    """(rendered prompt, the child's ANSWER line) after typing `typed` and Enter on the terminal."""
    proc = PtyProcess.spawn([sys.executable, "-c", CHILD, offers, shell], env=dict(os.environ),
                            dimensions=(40, 200))
    seen = bytearray()
    try:
        _read(proc, seen, b"> ")
        rendered = bytes(seen)
        proc.write(typed.encode() + b"\r")
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
    for label in ("[y] allow once", "[s] allow for this session", "[a] always allow (saved)", "[n] deny"):
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
        ("n", ALL, "deny"),
        ("", ALL, "deny"),
        ("garbage", ALL, "deny"),
        ("sure", ALL, "deny"),  # a word that merely starts with a key is not the key
        ("yolo", ALL, "deny"),
        ("a", NO_ALWAYS, "deny"),  # "always" was not offered: typing it is no consent
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
