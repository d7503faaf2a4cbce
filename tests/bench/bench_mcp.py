"""MCP servers: `vtcode exec` start to the first request with two stdio servers configured, and the gate's
cost per MCP tool call beyond the server's own time."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers.mcp_servers import PY_SERVER, node, npm_bin
from helpers.openai_stub import OpenAIStub, Reply
from installed import wheel_vtcode
from measure import figure

from vtcode.agent.stack import open_stack
from vtcode.approvals import NoTerminal
from vtcode.runtime import open_runtime
from vtcode.workspace.trust import write_trust

CALLS = 200


def _servers(workspace: Path) -> str:
    everything = npm_bin("mcp-server-everything").resolve()
    return (
        f'[mcp.servers.everything]\ncommand = "{node()}"\nargs = ["{everything}", "stdio"]\n'
        f'[mcp.servers.py]\ncommand = "{sys.executable}"\n'
        f'args = ["{PY_SERVER}", "--stdio", "--log", "{workspace / "calls.jsonl"}"]\nwrite = true\n'
        '[tools.policies]\n"mcp.py.*" = "allow"\n'
    )


def _first_chat_ms(stub: OpenAIStub, workspace: Path, env: dict[str, str]) -> float:
    before = len(stub.chat_requests)
    argv = [wheel_vtcode(), "exec", "--provider", "openai-compat", "--base-url", stub.base_url,
            "--model", "m", "--workspace", str(workspace), "hi"]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, env=env)
    while len(stub.chat_requests) == before and proc.poll() is None:
        time.sleep(0.001)
    elapsed = (time.perf_counter() - start) * 1000
    proc.wait(timeout=60)
    return elapsed


def _first_requests(base: Path, workspace: Path) -> tuple[float, float]:
    """Medians (two servers, none), the runs interleaved so that the machine's drift hits both alike."""
    envs = {}
    for servers in (True, False):
        config = base / ("cfg-mcp" if servers else "cfg-none")
        config.mkdir(exist_ok=True)
        (config / "vtcode.toml").write_text(_servers(workspace) if servers else "")
        envs[servers] = {**os.environ, "VTCODE_CONFIG_DIR": str(config),
                         "VTCODE_DATA_DIR": str(base / "data"), "VTCODE_AUDIT_DIR": str(base / "audit"),
                         "VTCODE_CACHE_DIR": str(base / "cache")}
    times: dict[bool, list[float]] = {True: [], False: []}
    with OpenAIStub(default=Reply(text="ok")) as stub:
        for servers in (True, False):
            _first_chat_ms(stub, workspace, envs[servers])  # warm-up: digests and bytecode cached
        for _ in range(9):
            for servers in (True, False):
                times[servers].append(_first_chat_ms(stub, workspace, envs[servers]))
    return statistics.median(times[True]), statistics.median(times[False])


def _call_servers(workspace: Path) -> str:
    """The Python SDK server twice: `py` without the write grant (the workspace read-only: no checkpoint
    around its calls; its call log goes to /dev/null) and `pyw` granted write (checkpointed like any
    writing tool)."""
    return (
        f'[mcp.servers.py]\ncommand = "{sys.executable}"\n'
        f'args = ["{PY_SERVER}", "--stdio", "--log", "/dev/null"]\n'
        f'[mcp.servers.pyw]\ncommand = "{sys.executable}"\n'
        f'args = ["{PY_SERVER}", "--stdio", "--log", "{workspace / "calls.jsonl"}"]\nwrite = true\n'
        '[tools.policies]\n"mcp.py.*" = "allow"\n"mcp.pyw.*" = "allow"\n'
    )


def _per_call(base: Path, workspace: Path, server: str = "py") -> tuple[float, float]:
    """Median ms of one `mcp.<server>.add` through the runner (arguments, policy, events, cap, fence, and
    the checkpoints of a server that can write) and of the same call straight to the server's connection
    (the server's own time and the transport)."""
    config = base / "cfg-call"
    config.mkdir(exist_ok=True)
    (config / "vtcode.toml").write_text(_call_servers(workspace))
    os.environ["VTCODE_CONFIG_DIR"] = str(config)
    write_trust(workspace)  # the trust key lives in the user's config dir
    runtime = open_runtime(workspace, attach_sinks=False)
    stack = open_stack(runtime, workspace, asker=NoTerminal())
    source = runtime.plugins.registries.tool_sources.get("mcp")
    assert source is not None and source.obj.wait_ready(60)
    connection = source.obj.connections[server]
    try:
        through, direct = [], []
        for i in range(CALLS):
            start = time.perf_counter()
            record = stack.runner.call(f"mcp.{server}.add", {"a": i, "b": 1})
            assert record.result.ok, record.result.output
            through.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            connection.call("add", {"a": i, "b": 1})
            direct.append((time.perf_counter() - start) * 1000)
        return statistics.median(through), statistics.median(direct)
    finally:
        stack.close()
        runtime.bus.close("normal")


def run() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        workspace = (base / "ws")
        workspace.mkdir()
        workspace = workspace.resolve()
        os.environ["VTCODE_DATA_DIR"] = str(base / "data")
        os.environ["VTCODE_CACHE_DIR"] = str(base / "cache")
        write_trust(workspace)
        two, none = _first_requests(base, workspace)
        ok = figure("`vtcode exec` start to first request, two stdio MCP servers configured", two,
                    "no servers configured", none, "< 500 ms", two < 500)
        through, direct = _per_call(base, workspace)
        ok &= figure("one MCP tool call through the gate (schema, policy, events, cap, fence)", through,
                     "the same call straight to the server", direct, "< 5 ms more", through - direct < 5)
        through, direct = _per_call(base, workspace, "pyw")
        figure("the same, to a server granted write (a checkpoint before and after each call)", through,
               "the same call straight to the server", direct, "none (the cost of undo)", True)
        return ok
