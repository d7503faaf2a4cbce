"""Failover through the real agent loop: `vtcode exec` in a subprocess, a provider chain from the user's
config, OpenAI-compatible stubs on 127.0.0.1. A dead port and a 500 fail over to the next provider (a
`provider.failover` event in the audit log, the task completes); a stream cut after output is not
replayed elsewhere (nothing duplicated on stdout, one clear error, exit 1). litellm through the same loop
is marked slow and talks to the stub only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply, dead_url
from helpers.providers import SOCKET_AUDIT_PRELUDE

from vtcode.paths import user_config_dir

VTCODE = str(Path(sys.executable).parent / "vtcode")


def chain_config(*entries: tuple[str, str], retries: int = 0) -> None:
    """A user config whose chain is `entries` (name, base URL), all openai-compat serving stub-model."""
    lines = [f"[providers]\nchain = {json.dumps([name for name, _ in entries])}\nretries = {retries}\n"]
    lines.append("backoff_s = 0.01\nbackoff_max_s = 0.02\n")
    for name, url in entries:
        lines.append(f'[providers.{name}]\nprovider = "openai-compat"\nbase_url = "{url}"\n')
        lines.append('model = "stub-model"\n')
    path = user_config_dir() / "vtcode.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines))


def run_exec(workspace: Path, prompt: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VTCODE, "exec", "--workspace", str(workspace), prompt],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "VTCODE_AUDIT_DIR": str(workspace.parent / "audit")},
    )


def audit_events(workspace: Path) -> list[dict[str, Any]]:
    [log] = list((workspace.parent / "audit").glob("*.jsonl"))
    verify = subprocess.run([VTCODE, "audit", "verify", str(log)], capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    return [json.loads(line) for line in log.read_text().splitlines()]


def read(path: str) -> Reply:
    return Reply(tool_calls=[ToolCallReply("read_file", {"path": path})])


def test_a_dead_first_provider_fails_over_and_the_task_completes(workspace: Path) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    with OpenAIStub([read("a.txt"), Reply(text="a.txt says alpha.")]) as live:
        chain_config(("dead", dead_url()), ("live", live.base_url))
        result = run_exec(workspace, "what does a.txt say?")
        asked = live.chat_requests
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == "a.txt says alpha.\n"
    assert len(asked) == 2 and "alpha" in asked[1]["messages"][-1]["content"]  # the tool ran in between
    events = audit_events(workspace)
    hops = [e["payload"] for e in events if e["type"] == "provider.failover"]
    assert hops and all(h["provider"] == "dead" and h["fallback"] == "live" for h in hops)
    assert hops[0]["kind"] == "connection"
    types = [e["type"] for e in events]
    assert types[:2] == ["session.started", "config.loaded"]  # audited before anything is asked
    assert types.index("provider.failover") < types.index("tool.finished")


def test_a_500_is_retried_then_fails_over(workspace: Path) -> None:
    with (
        OpenAIStub(default=Reply.failure(500, "model crashed")) as broken,
        OpenAIStub([Reply(text="answered by the second")]) as live,
    ):
        chain_config(("broken", broken.base_url), ("live", live.base_url), retries=1)
        result = run_exec(workspace, "hello")
        tries = len(broken.chat_requests)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == "answered by the second\n"
    assert tries == 2  # the first try and one retry, then the next provider
    [hop] = [e["payload"] for e in audit_events(workspace) if e["type"] == "provider.failover"]
    assert hop["provider"] == "broken" and hop["fallback"] == "live" and hop["kind"] == "server"
    assert "model crashed" in hop["reason"]


def test_a_stream_cut_after_output_is_not_replayed(workspace: Path) -> None:
    partial = Reply(text="The first half of an answer that never ends", piece=8, drop_after=3)
    with (
        OpenAIStub([partial]) as cut,
        OpenAIStub(default=Reply(text="The first half of an answer, again")) as spare,
    ):
        chain_config(("cut", cut.base_url), ("spare", spare.base_url), retries=2)
        result = run_exec(workspace, "tell me")
        spare_asked, cut_asked = len(spare.chat_requests), len(cut.chat_requests)
    assert result.returncode == 1, result.stderr[-2000:]
    assert spare_asked == 0 and cut_asked == 1  # neither retried nor failed over once output was out
    assert result.stdout == ""  # stdout is for a final answer: no half answer, and nothing twice
    assert "again" not in result.stderr
    assert "not retried (that would repeat them)" in result.stderr
    assert "vtcode: failed:" in result.stderr
    events = audit_events(workspace)
    assert not [e for e in events if e["type"] == "provider.failover"]
    [stopped] = [e["payload"] for e in events if e["type"] == "agent.stopped"]
    assert stopped["reason"] == "failed"


LITELLM_EXEC = SOCKET_AUDIT_PRELUDE + r"""
out, sys.argv = sys.argv[1], ["vtcode", *sys.argv[2:]]
from vtcode.cli import main
try:
    main()
finally:
    with open(out, "w") as handle:
        handle.write(json.dumps(seen))
"""


@pytest.mark.slow
def test_litellm_through_the_agent_loop_talks_only_to_the_stub(workspace: Path) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    (workspace / ".env").write_text("OPENAI_API_BASE=https://api.openai.com/v1\nPLANTED=1\n")
    sockets = workspace.parent / "sockets.json"
    with OpenAIStub([read("a.txt"), Reply(text="alpha, via litellm")], api_key="sk-test-key") as stub:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                LITELLM_EXEC,
                str(sockets),
                "exec",
                "--provider",
                "litellm",
                "--model",
                "openai/stub-model",
                "--base-url",
                stub.base_url,
                "--workspace",
                str(workspace),
                "--events",
                "jsonl",
                "what does a.txt say?",
            ],
            capture_output=True,
            text=True,
            timeout=180,
            stdin=subprocess.DEVNULL,
            cwd=workspace,  # a `.env` here must not reach litellm's environment
            env={
                **os.environ,
                "LITELLM_API_KEY": "sk-test-key",
                "VTCODE_AUDIT_DIR": str(workspace.parent / "audit"),
            },
        )
        asked = stub.chat_requests
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout == "alpha, via litellm\n"
    assert len(asked) == 2 and "alpha" in json.dumps(asked[1]["messages"][-1])
    assert "PLANTED" not in result.stderr
    hosts = json.loads(sockets.read_text())
    assert hosts and all("127.0.0.1" in host for host in hosts), hosts
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert [e["payload"]["provider"] for e in events if e["type"] == "llm.response"] == ["litellm"] * 2
