"""run_command: real processes in the registered Landlock sandbox; output cap, timeout, interrupt, events."""

from __future__ import annotations

import os
import resource
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the Landlock backend is Linux-only")


def test_argv_and_shell_string_run_with_exit_code_and_duration(tool: Any, seen: Any, workspace: Path) -> None:
    result = tool("run_command", command=["/bin/echo", "hello"])
    assert result.ok and "hello" in result.output
    assert result.data["exit_code"] == 0 and result.data["duration_s"] >= 0
    failed = tool("run_command", command="echo out; echo err >&2; exit 3")
    assert not failed.ok and failed.data["exit_code"] == 3
    assert "out" in failed.output and "err" in failed.output  # stderr merged, in order
    started = seen("command.started")[-1]
    assert started["sandbox"] == "workspace-write" and started["backend"] == "landlock"
    assert {"seccomp", "network:off", "env:scrubbed"} <= set(started["enforced"])
    finished = seen("command.finished")[-1]
    assert finished["exit"] == 3 and finished["duration_ms"] >= 0 and finished["bytes"] == len(b"out\nerr\n")
    assert seen("sandbox.applied")[-1]["enforced"] == started["enforced"]


def test_writes_outside_the_workspace_fail_inside(tool: Any, workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    result = tool("run_command", command=f"echo x > inside.txt && echo x > {outside}")
    # The read-only mount refuses first, Landlock next.
    assert result.data["exit_code"] != 0 and "Read-only file system" in result.output
    assert (workspace / "inside.txt").exists() and not outside.exists()


def test_output_cap_keeps_head_and_tail_and_counts_the_rest(tool: Any) -> None:
    result = tool("run_command", command="seq 1 200000", max_output_bytes=4096)
    total = len("".join(f"{i}\n" for i in range(1, 200001)).encode())
    assert result.data["bytes"] == total
    assert result.data["discarded_bytes"] == total - 4096 == result.truncated_bytes
    assert "\n1\n2\n3\n" in result.output and result.output.rstrip().endswith("200000")
    assert f"[... {total - 4096} bytes discarded" in result.output


def test_timeout_kills_the_command(tool: Any) -> None:
    start = time.monotonic()
    result = tool("run_command", command="echo begin; sleep 60", timeout_s=1)
    assert result.data["timed_out"] and not result.ok and "timed out after 1 s" in result.output
    assert result.data["killed"] >= 1 and time.monotonic() - start < 15
    assert "begin" in result.output


def test_interrupt_sends_sigint_to_the_process_group(tool: Any, workspace: Path) -> None:
    # Ctrl-C in vtcode is a KeyboardInterrupt in the read loop; the child, in its own session, gets SIGINT
    # from us. The trap shows the shell (and its group) received it.
    def press_ctrl_c() -> None:
        deadline = time.monotonic() + 20
        while not (workspace / "ready").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=press_ctrl_c, daemon=True).start()
    result = tool(
        "run_command", command="trap 'echo got-sigint; exit 7' INT; touch ready; while :; do sleep 0.05; done"
    )
    assert result.data["interrupted"] and result.data["exit_code"] == 7
    assert "got-sigint" in result.output


def test_daemonized_child_does_not_outlive_the_command(tool: Any, workspace: Path) -> None:
    # The command waits until its daemon is up, so the daemon provably existed when the command ended.
    code = (
        "import os,time\nif os.fork():\n    while not os.path.exists('daemon.pid'): time.sleep(0.01)\n"
        "    os._exit(0)\nos.setsid()\nif os.fork(): os._exit(0)\n"
        "open('daemon.pid.tmp','w').write(str(os.getpid())); os.rename('daemon.pid.tmp','daemon.pid')\n"
        "time.sleep(300)\n"
    )
    result = tool("run_command", command=["/usr/bin/python3", "-c", code])
    assert result.data["exit_code"] == 0
    pid = int((workspace / "daemon.pid").read_text())
    assert not _alive(pid), f"daemon {pid} survived the command"


def test_fork_bomb_is_contained_and_everything_is_killed(tool: Any, seen: Any, workspace: Path) -> None:
    start = time.monotonic()
    # The command stays up while the bomb grows (when it exits, its supervisor kills the bomb at once).
    result = tool("run_command", command=":(){ :|:& };: ; sleep 3", timeout_s=4)
    assert time.monotonic() - start < 60
    assert "processes:cgroup" in " ".join(result.data["sandbox"]["enforced"])
    assert "pids.max=1024" in " ".join(result.data["sandbox"]["enforced"])
    assert "Resource temporarily unavailable" in result.output  # fork failed at the cgroup's limit
    assert not _processes_in(workspace), "a process of the fork bomb outlived the command"


def test_gigabyte_stream_does_not_grow_memory(tool: Any, seen: Any) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = tool("run_command", command="head -c 1G /dev/zero", timeout_s=120)
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.data["bytes"] == 1 << 30 and result.data["exit_code"] == 0
    assert growth_mb < 50, f"peak RSS grew by {growth_mb:.0f} MB for a 1 GB stream"
    output_events = seen("command.output")
    assert sum(e["bytes"] for e in output_events) == 1 << 30
    assert len(output_events) < 2000  # coalesced, not one event per read


def test_terminal_mode_runs_on_a_pty(tool: Any) -> None:
    result = tool("run_command", command="test -t 0 && test -t 1 && echo on-a-tty", terminal=True)
    assert result.ok and "on-a-tty" in result.output


def test_cwd_must_stay_in_the_workspace(tool: Any, workspace: Path) -> None:
    (workspace / "sub").mkdir()
    assert tool("run_command", command="pwd", cwd="sub").output.strip().endswith(f"{workspace}/sub")
    from vtcode.errors import PathDenied

    with pytest.raises(PathDenied):
        tool("run_command", command="pwd", cwd="..")


def _processes_in(directory: Path) -> list[int]:
    """Live processes whose working directory is `directory` (the command's, and its descendants')."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/cwd") == str(directory) and _alive(int(entry)):
                    found.append(int(entry))
            except OSError:
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False
