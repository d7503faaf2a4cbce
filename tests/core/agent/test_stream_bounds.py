"""Streams are bounded: `vtcode exec` against a server on 127.0.0.1 that keeps the connection busy with
keep-alive comments, or streams text, tool-call arguments or one endless line. Wall time is enforced on a
clock; token and reply limits stop reading as soon as they are passed; what the session and the audit log
record stays small. (The memory figure under a 1 GB stream is a bench: tests/bench/bench_streams.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.hostile_server import HostileServer

VTCODE = str(Path(sys.executable).parent / "vtcode")


def _exec(workspace: Path, base_url: str, *overrides: str, timeout: float = 120) -> tuple[
    subprocess.CompletedProcess[str], float
]:
    argv = [VTCODE, "exec", "--provider", "openai-compat", "--base-url", base_url, "--model", "stub-model",
            "--workspace", str(workspace), "-c", "providers.retries=0"]
    for override in overrides:
        argv += ["-c", override]
    started = time.monotonic()
    result = subprocess.run([*argv, "go"], capture_output=True, text=True, timeout=timeout,
                            stdin=subprocess.DEVNULL,
                            env={**os.environ, "VTCODE_AUDIT_DIR": str(workspace.parent / "audit")})
    return result, time.monotonic() - started


def _records(workspace: Path, home: Path) -> int:
    """Bytes of everything the run recorded: its audit log and its saved session."""
    audit = sum(p.stat().st_size for p in (workspace.parent / "audit").glob("*.jsonl"))
    sessions = sum(p.stat().st_size for p in (home / "data" / "sessions").glob("*.md"))
    return audit + sessions


def test_keep_alive_comments_do_not_keep_exec_past_its_wall_time(workspace: Path) -> None:
    with HostileServer("keepalive", seconds=60) as server:
        result, took = _exec(workspace, server.base_url, "agent.max_wall_time_s=3")
    assert result.returncode == 5, result.stderr  # limit
    assert "max_wall_time_s" in result.stderr
    assert took < 3 + 8, took  # the 3 s limit plus start-up and exit, never the server's 60 s


def test_a_silent_server_is_stopped_by_the_wall_time_too(workspace: Path) -> None:
    # A read timeout far longer than the wall time: the clock, not the socket, ends the reply.
    with HostileServer("silent", seconds=60) as server:
        result, took = _exec(workspace, server.base_url, "agent.max_wall_time_s=3",
                             "providers.openai-compat.timeout_s=60")
    assert result.returncode == 5, result.stderr
    assert took < 3 + 8, took


@pytest.mark.parametrize("mode", ["text", "arguments", "line", "names", "datalines"])
def test_a_flood_is_cut_off_early_and_records_stay_small(
    workspace: Path, isolated_user_dirs: Path, mode: str
) -> None:
    offered = 400 << 20
    with HostileServer(mode, total=offered) as server:
        result, _ = _exec(workspace, server.base_url)
        assert server.finished.wait(30)
        sent = server.sent
    assert result.returncode in (1, 5), result.stderr  # failed or limit: never "finished"
    assert "finished" not in result.stderr.splitlines()[-1]
    assert result.stdout == ""
    # Reading stopped within a few MB of the cap, not at the end of the 400 MB (socket buffers included).
    assert sent < 64 << 20, sent
    assert _records(workspace, isolated_user_dirs) < 2 << 20


def test_the_token_limit_stops_reading_the_reply_that_passes_it(workspace: Path) -> None:
    with HostileServer("text", total=400 << 20) as server:
        # agent.max_tokens = 100_000: ~300 KB of reply text; the reply cap (1 MiB) comes later.
        result, _ = _exec(workspace, server.base_url, "agent.max_tokens=100000")
        assert server.finished.wait(30)
        sent = server.sent
    assert result.returncode == 5, result.stderr
    assert "passed agent.max_tokens = 100000 while it streamed" in result.stderr
    assert sent < 32 << 20, sent


def test_a_retry_after_past_the_wall_time_is_not_waited_for(workspace: Path) -> None:
    from helpers.openai_stub import OpenAIStub, Reply

    # A 429 with Retry-After: 30 once made a 1 s run last ~9 s (the sleep was capped by backoff_max_s only).
    with OpenAIStub(default=Reply.rate_limited(retry_after=30)) as stub:
        result, took = _exec(workspace, stub.base_url, "agent.max_wall_time_s=2", "providers.retries=3",
                             "providers.backoff_max_s=60")
    assert result.returncode != 0, result.stderr
    assert "wall time" in result.stderr, result.stderr
    assert took < 2 + 6, took  # never the server's 30 s


@pytest.mark.skipif(sys.platform != "linux", reason="the Linux sandbox runs the command")
def test_a_running_command_is_bounded_by_the_wall_time(workspace: Path) -> None:
    from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply

    subprocess.run([VTCODE, "trust", "--workspace", str(workspace)], check=True, capture_output=True,
                   timeout=60)
    script = [Reply(tool_calls=[ToolCallReply("run_command", {"command": "sleep 60"})]), Reply(text="done")]
    with OpenAIStub(script, default=Reply(text="done")) as stub:
        result, took = _exec(workspace, stub.base_url, "agent.max_wall_time_s=4", "sandbox.timeout_s=600")
    assert result.returncode == 5, result.stderr  # limit
    assert "max_wall_time_s" in result.stderr
    assert took < 4 + 8, took  # the run's 4 s, not the command's 60 s nor sandbox.timeout_s
