"""The TUI as a person uses it: `vtcode` in a real pseudo-terminal, keys sent as the terminal sends them,
real signals. It must quit on the quit key from wherever the footer's keys lead, within 2 s and with status
0; every event of the session must be on disk within a second; and a closed terminal (SIGHUP), `kill`
(SIGTERM) or SIGINT must still close the audit log so that `vtcode audit verify` calls it complete."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from helpers.terminal import Terminal, audit_verify, vtcode_bin
from helpers.tui import stub_overrides
from textual.binding import Binding

from vtcode.tui.app import VtcodeApp
from vtcode.workspace.trust import write_trust

# Every key the footer shows, and the help keys (which the footer does not show).
FOOTER_KEYS = [b.key for b in VtcodeApp.BINDINGS if isinstance(b, Binding) and b.show]
LOADED = b"approvals"  # the status bar once plugins are loaded and the model was reached

Launch = Callable[..., Terminal]


@pytest.fixture
def launch(workspace: Path, audit_dir: Path, stub: OpenAIStub) -> Iterator[Launch]:
    started: list[Terminal] = []

    def run(*, trusted: bool = True) -> Terminal:
        if trusted:
            write_trust(workspace)
        overrides = [arg for item in stub_overrides(stub.base_url) for arg in ("-c", item)]
        terminal = Terminal([vtcode_bin(), *overrides], cwd=workspace)
        started.append(terminal)
        terminal.wait_for(LOADED)
        time.sleep(0.3)  # the model check's notice and the last frame
        return terminal

    yield run
    for terminal in started:
        terminal.kill()


def logs(audit_dir: Path) -> list[Path]:
    return sorted(audit_dir.glob("*.jsonl"))


def events_on_disk(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_bytes().splitlines() if line.strip()]


def assert_every_log_complete(audit_dir: Path) -> None:
    found = logs(audit_dir)
    assert found, "no audit log written"
    for log in found:
        verified = audit_verify(log)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "closed by session.ended" in verified.stdout


def test_the_footer_shows_the_quit_key() -> None:
    assert "ctrl+q" in FOOTER_KEYS


@pytest.mark.parametrize("key", [*FOOTER_KEYS, "f1", "question_mark"])
def test_quit_works_after_every_footer_key(key: str, launch: Launch, audit_dir: Path) -> None:
    tui = launch(trusted=key != "ctrl+t")  # trusting reloads the session: a second log, both must close
    tui.press(key)
    time.sleep(0.6)  # the screen it opens (or the reload) is up
    pressed = time.monotonic()
    tui.press("ctrl+q")
    assert tui.wait_exit(2.0) == (0, None)
    assert time.monotonic() - pressed < 2.0
    assert_every_log_complete(audit_dir)


def test_ctrl_c_twice_quits(launch: Launch, audit_dir: Path) -> None:
    tui = launch()
    tui.press("ctrl+c")
    tui.wait_for(b"again to quit")  # one ctrl+c only says how; a second one within 2 s quits
    time.sleep(0.2)
    tui.press("ctrl+c")
    assert tui.wait_exit(2.0) == (0, None)
    assert_every_log_complete(audit_dir)


def _a_turn_with_a_command(tui: Terminal, stub: OpenAIStub) -> None:
    stub.push(
        Reply(tool_calls=[ToolCallReply("run_command", {"command": "echo from-the-tool"})]),
        Reply(text="all-done-here"),
    )
    tui.type("run it")
    tui.press("enter")
    tui.wait_for(b"all-done-here")


def test_every_event_is_on_disk_within_a_second(launch: Launch, stub: OpenAIStub, audit_dir: Path) -> None:
    tui = launch()
    _a_turn_with_a_command(tui, stub)
    time.sleep(1.0)
    (log,) = logs(audit_dir)
    types = [event["type"] for event in events_on_disk(log)]
    for expected in ("llm.request", "llm.response", "tool.started", "command.finished", "tool.finished"):
        assert expected in types, f"{expected} not on disk a second after the turn: {types}"
    assert types.count("llm.response") == 2  # the second reply, the last event of the turn, too
    tui.press("ctrl+q")
    assert tui.wait_exit(2.0) == (0, None)
    assert_every_log_complete(audit_dir)


@pytest.mark.parametrize("how", ["SIGHUP", "SIGTERM", "SIGINT", "terminal closed"])
def test_a_signal_closes_the_log(how: str, launch: Launch, stub: OpenAIStub, audit_dir: Path) -> None:
    tui = launch()
    _a_turn_with_a_command(tui, stub)
    if how == "terminal closed":
        tui.hang_up()
        expected: tuple[int | None, int | None] = (128 + signal.SIGHUP, None)
    else:
        signum = signal.Signals[how]
        tui.signal(signum)
        expected = (128 + signum, None)
    assert tui.wait_exit(5.0) == expected
    assert_every_log_complete(audit_dir)
    (log,) = logs(audit_dir)
    types = [event["type"] for event in events_on_disk(log)]
    assert "tool.finished" in types and types[-1] == "session.ended"


@pytest.mark.parametrize("during", ["a streaming reply", "an open approval", "a running command"])
def test_quit_while_busy(during: str, launch: Launch, stub: OpenAIStub, audit_dir: Path) -> None:
    if during == "a streaming reply":
        stub.push(Reply(text="word " * 400, piece=5, interval_s=0.05))  # ~20 s of streaming
        marker = b"word word"
    elif during == "an open approval":
        stub.push(Reply(tool_calls=[ToolCallReply("write_file", {"path": "n.txt", "content": "x\n"})]))
        marker = b"Approval needed"
    else:
        stub.push(Reply(tool_calls=[ToolCallReply("run_command", {"command": "echo running-now; sleep 30"})]))
        marker = b"running-now"
    tui = launch()
    tui.type("do it")
    tui.press("enter")
    tui.wait_for(marker)
    time.sleep(0.3)
    pressed = time.monotonic()
    tui.press("ctrl+q")
    assert tui.wait_exit(2.0) == (0, None)
    assert time.monotonic() - pressed < 2.0
    assert_every_log_complete(audit_dir)
