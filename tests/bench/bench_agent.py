"""Agent loop overhead per tool call, and `vtcode exec` start to the first request on the wire."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from helpers.lmstudio_stub import LMModel, LMStudioStub
from helpers.openai_stub import OpenAIStub, Reply
from installed import wheel_vtcode
from measure import figure, median_ms
from pydantic import BaseModel, ConfigDict
from vtcode_hookspecs import ChatChunk, ChatRequest, RiskClass, ToolCall, ToolContext, ToolResult

from vtcode.agent import Agent, AgentLimits
from vtcode.agent.stack import open_stack
from vtcode.approvals import NoTerminal
from vtcode.plugins.registry import Registered
from vtcode.runtime import open_runtime
from vtcode.workspace.trust import write_trust

CALLS = 100


class NoopArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str


class NoopTool:
    name = "noop"
    description = "Does nothing (benchmark)."
    args_model = NoopArgs
    risk = RiskClass.READ

    def invoke(self, ctx: ToolContext, args: NoopArgs) -> ToolResult:
        return ToolResult(ok=True, output=f"nothing at {args.path}")


class InstantModel:
    """A model that answers at once: one noop call per turn, then a final answer."""

    def __init__(self) -> None:
        self.turn = 0

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        self.turn += 1
        if self.turn > CALLS:
            yield ChatChunk(text="done", finish_reason="stop")
            return
        call = ToolCall(id=f"c{self.turn}", name="noop", arguments=f'{{"path": "f{self.turn}"}}')
        yield ChatChunk(tool_call=call, finish_reason="tool_calls")

    def context_length(self, model: str) -> int | None:
        return 131_072


def _per_call_ms(workspace: Path) -> tuple[float, float]:
    write_trust(workspace)
    overrides = ['tools.policies={noop = "allow"}']  # the noop tool is registered below, after the check
    runtime = open_runtime(workspace, overrides=overrides, attach_sinks=False, check_names=False)
    tool = NoopTool()
    tools = runtime.plugins.registries.tools
    tools.add(Registered(tool, tools.validate(tool, "bench"), "bench", "vtcode-bench"))  # type: ignore[arg-type]
    stack = open_stack(runtime, workspace, asker=NoTerminal())

    def session() -> None:
        from vtcode.agent import new_session

        agent = Agent(
            InstantModel(),
            stack.runner,
            stack.specs,
            runtime.bus,
            model="m",
            limits=AgentLimits(max_turns=CALLS + 5, max_repeated_tool_calls=CALLS),
        )
        outcome, _ = agent.run(new_session("bench", workspace, model="m", provider="b"), "go")
        assert outcome.tool_calls == CALLS, outcome

    loop = median_ms(session, repeat=5) / CALLS
    direct = (
        median_ms(
            lambda: [tool.invoke(None, NoopArgs(path=f"f{i}")) for i in range(CALLS)],  # type: ignore[arg-type]
            repeat=5,
        )
        / CALLS
    )
    return loop, direct


def _exec_argv(base_url: str, workspace: Path) -> list[str]:
    return [
        wheel_vtcode(),  # a wheel install, as users have (installed.py)
        "exec",
        "--provider",
        "openai-compat",
        "--base-url",
        base_url,
        "--model",
        "m",
        "--workspace",
        str(workspace),
        "hi",
    ]


def _first_chat_ms(stub: OpenAIStub, workspace: Path, env: dict[str, str]) -> float:
    """From starting `vtcode exec` to its first chat request reaching the server (a models listing
    before it is part of the wait, not the end of it)."""
    before = len(stub.chat_requests)
    start = time.perf_counter()
    proc = subprocess.Popen(
        _exec_argv(stub.base_url, workspace),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    while len(stub.chat_requests) == before and proc.poll() is None:
        time.sleep(0.001)
    elapsed = (time.perf_counter() - start) * 1000
    proc.wait(timeout=60)
    return elapsed


def _first_request_ms(workspace: Path, base: Path) -> tuple[float, float, float]:
    """Median (warm, cold, python -c pass). Warm: the same server as the start before it, as for anyone
    running vtcode twice (the context window is cached). Cold: that cache emptied before each start, so
    the window is listed (GET /models) first."""
    env = {
        **os.environ,
        "VTCODE_CONFIG_DIR": str(base / "cfg"),
        "VTCODE_DATA_DIR": str(base / "data"),
        "VTCODE_AUDIT_DIR": str(base / "audit"),
        "VTCODE_CACHE_DIR": str(base / "cache"),
    }
    windows = base / "cache" / "context-windows.json"
    with OpenAIStub(default=Reply(text="ok")) as stub:
        _first_chat_ms(stub, workspace, env)  # warm-up: plugin digests and bytecode cached
        warm = [_first_chat_ms(stub, workspace, env) for _ in range(5)]
        cold = []
        for _ in range(5):
            windows.unlink(missing_ok=True)
            cold.append(_first_chat_ms(stub, workspace, env))
    python = median_ms(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), repeat=5)
    return statistics.median(warm), statistics.median(cold), python


def _lmstudio_first_chat_ms(workspace: Path, base: Path) -> tuple[float, float]:
    """Median (warm, named) for LM Studio with no model named: the loaded model is found by one listing on
    the remembered API (v1), then the chat; `named`: `--model` named and its window cached, no listing."""
    env = {
        **os.environ,
        "VTCODE_CONFIG_DIR": str(base / "cfg"),
        "VTCODE_DATA_DIR": str(base / "data"),
        "VTCODE_AUDIT_DIR": str(base / "audit"),
        "VTCODE_CACHE_DIR": str(base / "cache-lms"),
    }

    def first_chat(lms: LMStudioStub, *extra: str) -> float:
        before = len(lms.server.chat_requests)
        argv = [wheel_vtcode(), "exec", "--provider", "lmstudio", "--base-url", lms.base_url, *extra]
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*argv, "--workspace", str(workspace), "hi"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        while len(lms.server.chat_requests) == before and proc.poll() is None:
            time.sleep(0.001)
        elapsed = (time.perf_counter() - start) * 1000
        proc.wait(timeout=60)
        return elapsed

    with LMStudioStub([LMModel("qwen/qwen3-8b", loaded=32768)], default=Reply(text="ok")) as lms:
        first_chat(lms)  # warm-up: the API detected and remembered, the window cached
        warm = [first_chat(lms) for _ in range(5)]
        named = [first_chat(lms, "--model", "qwen/qwen3-8b") for _ in range(5)]
    return statistics.median(warm), statistics.median(named)


def run() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for name in ("HOME",):
            os.environ.setdefault(name, str(base))
        os.environ["VTCODE_CONFIG_DIR"] = str(base / "cfg")
        os.environ["VTCODE_DATA_DIR"] = str(base / "data")
        workspace = base / "ws"
        workspace.mkdir()
        loop, direct = _per_call_ms(workspace.resolve())
        ok = figure(
            "framework overhead per tool call (validation + policy + events + context + result)",
            loop,
            "invoking the tool directly",
            direct,
            "< 5 ms median",
            loop < 5,
        )
        first, cold, python = _first_request_ms(workspace.resolve(), base)
        ok &= figure(
            "`vtcode exec` start to first chat request on the wire",
            first,
            "python -c pass",
            python,
            "< 500 ms",
            first < 500,
        )
        figure(
            "  the same with no cached context window (GET /models first)",
            cold,
            "python -c pass",
            python,
            "(reported)",
            True,
        )
        loaded, named = _lmstudio_first_chat_ms(workspace.resolve(), base)
        ok &= figure(
            "  LM Studio, no model named: its loaded model (one GET /api/v1/models, the API remembered)",
            loaded,
            "python -c pass",
            python,
            "< 500 ms",
            loaded < 500,
        )
        ok &= figure(
            "  LM Studio, --model named, window cached: no listing",
            named,
            "python -c pass",
            python,
            "< 500 ms",
            named < 500,
        )
    return ok
