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

from helpers.openai_stub import OpenAIStub, Reply
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
VTCODE = str(Path(sys.executable).parent / "vtcode")


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
    runtime = open_runtime(workspace, overrides=['tools.policies={noop = "allow"}'], attach_sinks=False)
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


def _first_request_ms(workspace: Path, base: Path) -> tuple[float, float]:
    env = {
        **os.environ,
        "VTCODE_CONFIG_DIR": str(base / "cfg"),
        "VTCODE_DATA_DIR": str(base / "data"),
        "VTCODE_AUDIT_DIR": str(base / "audit"),
    }
    samples = []
    for _ in range(5):
        with OpenAIStub(default=Reply(text="ok")) as stub:
            start = time.perf_counter()
            proc = subprocess.Popen(
                [
                    VTCODE,
                    "exec",
                    "--provider",
                    "openai-compat",
                    "--base-url",
                    stub.base_url,
                    "--model",
                    "m",
                    "--workspace",
                    str(workspace),
                    "hi",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                env=env,
            )
            while not stub.requests and proc.poll() is None:
                time.sleep(0.001)
            samples.append((time.perf_counter() - start) * 1000)
            proc.wait(timeout=60)
    python = median_ms(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), repeat=5)
    return statistics.median(samples), python


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
        first, python = _first_request_ms(workspace.resolve(), base)
        ok &= figure(
            "`vtcode exec` start to first request on the wire",
            first,
            "python -c pass",
            python,
            "< 500 ms",
            first < 500,
        )
    return ok
