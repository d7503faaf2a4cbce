"""`vtcode exec` end to end: a real subprocess, the real plugins (openai-compat and lmstudio) against an
OpenAI-compatible SSE server on 127.0.0.1. stdout holds the final answer and nothing else; the exit status
is the stop reason; the audit log verifies; sessions resume; the context never exceeds the window."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply

from vtcode.workspace.trust import write_trust

VTCODE = str(Path(sys.executable).parent / "vtcode")


def exec_(
    workspace: Path,
    stub: OpenAIStub,
    *args: str,
    provider: str = "openai-compat",
) -> subprocess.CompletedProcess[str]:
    argv = [
        VTCODE,
        "exec",
        "--provider",
        provider,
        "--base-url",
        stub.base_url,
        "--workspace",
        str(workspace),
    ]
    if provider == "openai-compat":
        argv += ["--model", "stub-model"]
    return subprocess.run(
        [*argv, *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "VTCODE_AUDIT_DIR": str(workspace.parent / "audit")},
    )


def read(path: str, text: str = "") -> Reply:
    return Reply(text=text, tool_calls=[ToolCallReply("read_file", {"path": path})])


@pytest.mark.parametrize("provider", ["openai-compat", "lmstudio"])
def test_multi_turn_task_stdout_is_only_the_answer(workspace: Path, provider: str) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    (workspace / "b.txt").write_text("beta\n")
    script = [read("a.txt", "Reading a first."), read("b.txt"), Reply(text="a says alpha, b says beta.")]
    with OpenAIStub(script, lmstudio_models=[{"id": "stub-model", "max_context_length": 8192}]) as stub:
        result = exec_(workspace, stub, "--events", "jsonl", "what do the files say?", provider=provider)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "a says alpha, b says beta.\n"  # nothing else on stdout
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    types = [e["type"] for e in events]
    assert types[0] == "session.started" and types[-1] == "session.ended"
    assert types.count("tool.finished") == 2 and "llm.reasoning" in types and "llm.request" in types
    assert [e["payload"]["turn"] for e in events if e["type"] == "turn.started"] == [1, 2, 3]
    second = stub.chat_requests[1]["messages"]
    assert second[-1]["role"] == "tool" and "alpha" in second[-1]["content"]


def test_human_events_and_prompts_stay_on_stderr(workspace: Path) -> None:
    with OpenAIStub([read("missing.txt", "Let me look."), Reply(text="done")]) as stub:
        result = exec_(workspace, stub, "task")
    assert result.stdout == "done\n"
    assert "vtcode: llm.reasoning: Let me look." in result.stderr
    assert "vtcode: finished:" in result.stderr
    if sys.platform == "linux":  # the stack opened for the tool call: a person sees what confines it
        assert "vtcode: sandbox.selected: commands confined by landlock (landlock-abi-" in result.stderr


def test_denied_call_goes_back_to_the_model_and_exit_says_denied(workspace: Path) -> None:
    script = [
        Reply(tool_calls=[ToolCallReply("write_file", {"path": "x.txt", "content": "x"})]),
        Reply(text="I was not allowed to write x.txt."),
    ]
    write_trust(workspace)  # trusted: write_file is a prompt, and with no terminal a prompt is a denial
    with OpenAIStub(script) as stub:
        result = exec_(workspace, stub, "write x.txt")
    assert result.returncode == 4, result.stderr
    assert result.stdout == "I was not allowed to write x.txt.\n"
    assert not (workspace / "x.txt").exists()
    told = stub.chat_requests[1]["messages"][-1]
    assert told["role"] == "tool" and told["content"].startswith("denied by the user")
    assert "vtcode: denied:" in result.stderr


def test_audit_log_of_every_session_verifies(workspace: Path) -> None:
    with OpenAIStub([Reply(text="hi")]) as stub:
        assert exec_(workspace, stub, "say hi").returncode == 0
    [log] = list((workspace.parent / "audit").glob("*.jsonl"))
    verify = subprocess.run([VTCODE, "audit", "verify", str(log)], capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_max_turns_is_a_limit_exit(workspace: Path) -> None:
    with OpenAIStub(default=Reply(tool_calls=[ToolCallReply("list_dir", {"path": "."})])) as stub:
        result = exec_(workspace, stub, "--max-turns", "2", "loop")
    assert result.returncode == 5 and result.stdout == ""
    assert "agent.max_turns = 2" in result.stderr


def test_session_resumes_with_its_transcript(workspace: Path) -> None:
    with OpenAIStub([Reply(text="first answer")]) as stub:
        first = exec_(workspace, stub, "remember the word kiwi")
    session_id = first.stderr.split("--resume ")[1].split()[0]
    with OpenAIStub([Reply(text="kiwi")]) as stub:
        second = exec_(workspace, stub, "--resume", session_id, "what was the word?")
        sent = stub.chat_requests[0]["messages"]
    assert second.returncode == 0 and second.stdout == "kiwi\n"
    contents = [m.get("content") for m in sent]
    assert "remember the word kiwi" in contents and "first answer" in contents
    assert contents[-1] == "what was the word?"


def test_unknown_and_corrupted_sessions_are_one_line_errors(
    workspace: Path, isolated_user_dirs: Path
) -> None:
    with OpenAIStub([Reply(text="ok")]) as stub:
        missing = exec_(workspace, stub, "--resume", "nope", "go on")
        first = exec_(workspace, stub, "start")
    assert missing.returncode == 2 and "no session 'nope'" in missing.stderr
    session_id = first.stderr.split("--resume ")[1].split()[0]
    [file] = (isolated_user_dirs / "data" / "sessions").glob(f"{session_id}.md")
    file.write_text(file.read_text().replace("---\n", "", 1))
    before = file.read_bytes()
    with OpenAIStub([Reply(text="ok")]) as stub:
        broken = exec_(workspace, stub, "--resume", session_id, "go on")
    assert broken.returncode == 2 and "no front matter" in broken.stderr
    assert len([line for line in broken.stderr.splitlines() if "error" in line]) >= 1
    assert file.read_bytes() == before


def test_context_never_exceeds_the_window_with_a_10_mb_tool_output(workspace: Path) -> None:
    (workspace / "big.txt").write_text("x" * 10_000_000)
    write_trust(workspace)  # run_command needs a trusted workspace
    script = [
        Reply(tool_calls=[ToolCallReply("run_command", {"command": ["cat", "big.txt"]})]),
        Reply(text="It is a lot of x."),
    ]
    window = 4_096
    models = [{"id": "stub-model", "max_context_length": window, "loaded_context_length": window}]
    with OpenAIStub(script, lmstudio_models=models) as stub:
        result = exec_(workspace, stub, "--events", "jsonl", "what is in big.txt?", provider="lmstudio")
        bodies = [json.dumps({"m": r["messages"], "t": r["tools"]}) for r in stub.chat_requests]
    assert result.returncode == 0, result.stderr[-2000:]
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    turns = [e["payload"] for e in events if e["type"] == "turn.started"]
    assert len(turns) == 2 and all(t["window"] == window and t["tokens"] <= t["input_budget"] for t in turns)
    assert all(len(body.encode()) <= window * 3 for body in bodies)  # 3 bytes per token: the estimate's bound


def _events(stderr: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_first_request_goes_out_before_the_security_stack_opens(workspace: Path) -> None:
    """The policy engine, approvals and sandbox open while the model works (vtcode/agent/opening.py):
    after the first request, and before the first tool call runs."""
    (workspace / "a.txt").write_text("alpha\n")
    with OpenAIStub([read("a.txt"), Reply(text="alpha")]) as stub:
        result = exec_(workspace, stub, "--events", "jsonl", "read a")
    assert result.returncode == 0, result.stderr
    seq = {}
    for event in _events(result.stderr):
        seq.setdefault(event["type"], event["seq"])
    assert seq["llm.request"] < seq["sandbox.selected"] < seq["tool.started"]


def _bad_example_policy(home: Path) -> Path:
    path = home / "config" / "tool-policy.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    rule = {"decision": "allow", "flags": {}, "match": ["make -j4"]}  # -j4 is not an allowed flag
    path.write_text(json.dumps({"commands": {"make": rule}}))
    return path


def test_a_stack_that_cannot_open_fails_the_session_before_any_tool_runs(
    workspace: Path, isolated_user_dirs: Path
) -> None:
    path = _bad_example_policy(isolated_user_dirs)
    (workspace / "a.txt").write_text("alpha\n")
    with OpenAIStub([read("a.txt"), Reply(text="alpha")]) as stub:
        result = exec_(workspace, stub, "--events", "jsonl", "read a")
        requests = len(stub.chat_requests)
    assert result.returncode == 2, result.stderr
    assert str(path) in result.stderr and "commands.make.match.0" in result.stderr
    types = [e["type"] for e in _events(result.stderr)]
    assert "tool.started" not in types and requests == 1 and result.stdout == ""


def test_a_stack_that_cannot_open_fails_the_session_without_a_tool_call_too(
    workspace: Path, isolated_user_dirs: Path
) -> None:
    """Broken rules are an error whether or not the model happened to call a tool: the answer is
    withheld and the exit status says configuration, as it did when the stack opened first."""
    path = _bad_example_policy(isolated_user_dirs)
    with OpenAIStub([Reply(text="an answer")]) as stub:
        result = exec_(workspace, stub, "--events", "jsonl", "hello")
    assert result.returncode == 2, result.stderr
    assert str(path) in result.stderr and "commands.make.match.0" in result.stderr
    assert result.stdout == ""
    assert [e["type"] for e in _events(result.stderr)][-1] == "session.ended"  # the log still closes


def test_events_option_reaches_the_sink_as_configuration_not_environment(
    workspace: Path, isolated_user_dirs: Path
) -> None:
    """`--events` is a configuration layer handed to the stderr sink in its settings: it beats the user's
    `[events] stderr` either way, and no VTCODE_EVENTS in the environment changes anything any more."""
    config = isolated_user_dirs / "config" / "vtcode.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[events]\nstderr = "human"\n')
    with OpenAIStub([Reply(text="done")]) as stub:
        as_json = exec_(workspace, stub, "--events", "jsonl", "hi")
    assert as_json.stdout == "done\n" and _events(as_json.stderr)[-1]["type"] == "session.ended"
    config.write_text('[events]\nstderr = "jsonl"\n')
    os.environ["VTCODE_EVENTS"] = "jsonl"  # the old hidden channel: ignored now
    try:
        with OpenAIStub([Reply(text="done")]) as stub:
            as_human = exec_(workspace, stub, "--events", "human", "hi")
    finally:
        del os.environ["VTCODE_EVENTS"]
    assert as_human.stdout == "done\n" and _events(as_human.stderr) == [], as_human.stderr
