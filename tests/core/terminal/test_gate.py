"""While a prompt holds the terminal, other threads' lines wait and come after it, in order."""

from __future__ import annotations

import io
import threading

from vtcode.terminal import TerminalGate


def test_lines_from_other_threads_wait_for_the_prompt_and_keep_their_order() -> None:
    gate = TerminalGate()
    stream = io.StringIO()
    drawn = threading.Event()
    answered = threading.Event()

    def prompt() -> None:
        with gate.prompt():
            stream.write("PROMPT> ")
            drawn.set()
            answered.wait(5)
            stream.write("y\n")

    asker = threading.Thread(target=prompt)
    asker.start()
    assert drawn.wait(5)
    gate.write(stream, "event 1\n")
    gate.write(stream, "event 2\n")
    assert stream.getvalue() == "PROMPT> "  # nothing was written under the prompt
    answered.set()
    asker.join(5)
    assert stream.getvalue() == "PROMPT> y\nevent 1\nevent 2\n"
    gate.write(stream, "event 3\n")  # no prompt: written at once
    assert stream.getvalue().endswith("event 3\n")


def test_the_prompting_thread_itself_writes_through() -> None:
    gate = TerminalGate()
    stream = io.StringIO()
    with gate.prompt():
        gate.write(stream, "own line\n")
        assert stream.getvalue() == "own line\n"
