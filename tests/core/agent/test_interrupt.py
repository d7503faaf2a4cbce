"""Ctrl-C (SIGINT) stops the current action and ends the session with its stop reason; the record stays
whole (the agent.stopped event, a transcript where every call has its result)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from helpers.agent_harness import AgentHarness, answer, call
from vtcode_hookspecs import ChatChunk

from vtcode.agent import InterruptGate, StopReason


def _sigint_after(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_ctrl_c_while_the_model_streams(harness: AgentHarness) -> None:
    class Slow(list[ChatChunk]):
        def __iter__(self) -> Iterator[ChatChunk]:
            yield ChatChunk(text="thinking")
            time.sleep(10)  # cut short by the interrupt
            yield ChatChunk(text=" never")

    timer = _sigint_after(0.3)
    start = time.monotonic()
    outcome, session, _ = harness.run([Slow()], gate=InterruptGate())
    timer.cancel()
    assert time.monotonic() - start < 5
    assert outcome.reason is StopReason.INTERRUPTED and outcome.exit_status == 130
    assert harness.events("agent.stopped")[0]["reason"] == "interrupted"
    assert session.meta["stop"]["reason"] == "interrupted"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back


def test_ctrl_c_stops_a_running_command_and_the_session(harness: AgentHarness) -> None:
    if sys.platform != "linux":
        pytest.skip("run_command needs a sandbox backend; this test runs on Linux (Landlock)")
    assert harness.stack.sandbox is not None, "no sandbox on this Linux machine"

    def when_running() -> None:  # Ctrl-C once the command runs, however loaded the machine is
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if any(e.type == "command.started" for e in harness.bus.history[harness.start :]):
                time.sleep(0.3)
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.01)

    timer = threading.Thread(target=when_running, daemon=True)
    timer.start()
    start = time.monotonic()
    outcome, session, model = harness.run(
        [call("run_command", "c1", command=["sleep", "30"]), answer("never asked")], gate=InterruptGate()
    )
    timer.join(5)
    assert time.monotonic() - start < 20
    assert outcome.reason is StopReason.INTERRUPTED and len(model.requests) == 1
    result = session.messages[-1]
    assert result.role == "tool" and result.tool_call_id == "c1" and "interrupted" in result.content
    finished = harness.events("command.finished")
    assert finished and finished[0].get("interrupted") is True


def test_an_emit_from_another_thread_leaves_the_main_threads_ctrl_c_alone() -> None:
    """exec opens the security stack on a thread while the main thread streams (an open section): a
    Ctrl-C during that thread's event write is still the main thread's, raised there at once, and never
    raised on the other thread."""
    gate = InterruptGate()
    seen: list[str] = []

    def write() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.5)  # the main thread takes the signal meanwhile
        seen.append("emitted")

    def emit_from_thread() -> None:
        try:
            gate.masked(write)()
        except KeyboardInterrupt:
            seen.append("raised on the thread")

    def stream_while_the_thread_emits() -> None:
        with gate.open():
            other.start()
            other.join(10)

    other = threading.Thread(target=emit_from_thread)
    with gate.installed():
        with pytest.raises(KeyboardInterrupt):
            stream_while_the_thread_emits()
        other.join(10)
    assert seen == ["emitted"] and gate.requested
