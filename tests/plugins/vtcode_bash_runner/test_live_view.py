"""The live view a UI watches a command through (CallContext's watch): output while it runs, never in an
event, and a stop request that interrupts the command like Ctrl-C (SIGINT to its process group)."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from vtcode.runtime import Runtime
from vtcode.sandbox import WorkspaceSandbox
from vtcode.tools.call_context import CallContext
from vtcode.workspace.jail import Jail

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the Landlock backend is Linux-only")


class Watch:
    def __init__(self) -> None:
        self.chunks: list[tuple[float, bytes]] = []
        self.stop = threading.Event()

    def output(self, data: bytes) -> None:
        self.chunks.append((time.monotonic(), data))

    def stop_requested(self) -> bool:
        return self.stop.is_set()


def run(
    runtime: Runtime, box: WorkspaceSandbox, workspace: Path, watch: Watch, command: str
) -> dict[str, object]:
    entry = runtime.plugins.registries.tools.get("run_command")
    assert entry is not None
    ctx = CallContext(Jail(workspace), runtime.bus, "run_command", sandbox=box, watch=watch)
    result = entry.obj.invoke(ctx, entry.obj.args_model.model_validate({"command": command}))
    assert result.data is not None
    return {"output": result.output, **result.data}


def test_output_reaches_the_watcher_while_the_command_runs_and_not_the_events(
    runtime: Runtime, box: WorkspaceSandbox, workspace: Path
) -> None:
    watch = Watch()
    started = time.monotonic()
    data = run(runtime, box, workspace, watch, "echo first; sleep 0.6; echo second")
    ended = time.monotonic()
    text = b"".join(chunk for _, chunk in watch.chunks)
    assert text == b"first\nsecond\n" and data["exit_code"] == 0
    assert watch.chunks[0][0] - started < ended - started - 0.4  # "first" came before the command ended
    outputs = [e.payload for e in runtime.bus.history if e.type == "command.output"]
    assert outputs and all("text" not in p for p in outputs)  # the audit log never gets the output


def test_a_stop_request_interrupts_the_command(
    runtime: Runtime, box: WorkspaceSandbox, workspace: Path
) -> None:
    watch = Watch()
    threading.Timer(0.5, watch.stop.set).start()
    started = time.monotonic()
    data = run(
        runtime, box, workspace, watch, "trap 'echo got-sigint; exit 130' INT; echo ready; sleep 30 & wait"
    )
    assert time.monotonic() - started < 5
    assert data["interrupted"] is True and not data["timed_out"]
    assert "got-sigint" in str(data["output"])  # SIGINT reached the shell, as Ctrl-C would
