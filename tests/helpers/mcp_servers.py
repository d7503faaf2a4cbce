"""Where the tests' MCP servers are: the npm reference servers (installed by `.ci/run` and tox's
commands_pre with `npm ci` from tests/fixtures/mcp/package-lock.json, never during a test) and the
Python SDK server in tests/fixtures/mcp/py_server.py."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vtcode.agent.stack import Stack, open_stack
from vtcode.approvals import Answer, ApprovalPrompt, Asker
from vtcode.runtime import open_runtime

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mcp"
PY_SERVER = FIXTURES / "py_server.py"


def npm_bin(name: str) -> Path:
    """`mcp-server-everything` or `mcp-server-filesystem`. Missing means the setup did not run: an error,
    not a skip (a fresh machine runs `.ci/run`, which installs them)."""
    path = FIXTURES / "node_modules" / ".bin" / name
    if not path.exists():
        raise RuntimeError(
            f"{path} is missing: run `npm ci --prefix {FIXTURES}` (done by .ci/run and tox's commands_pre)"
        )
    return path


def node() -> str:
    found = shutil.which("node")
    if found is None:
        raise RuntimeError("node is not on PATH: the npm reference servers need it")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HttpServer:
    """The Python SDK server on 127.0.0.1, in its own process (killed at the end)."""

    def __init__(self, log: Path, token: str | None = None) -> None:
        self.port = free_port()
        self.log = log
        argv = [sys.executable, str(PY_SERVER), "--port", str(self.port), "--log", str(log)]
        if token:
            argv += ["--token", token]
        env = {k: v for k, v in os.environ.items() if not k.endswith("_PROXY") and not k.endswith("_proxy")}
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"test MCP server exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("test MCP server did not listen within 30 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def calls(self) -> list[str]:
        import json

        if not self.log.exists():
            return []
        return [json.loads(line)["tool"] for line in self.log.read_text().splitlines()]

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(5)


class Approver:
    """A person who answers every prompt with `answer`, and remembers what was asked."""

    who = {"user": "tester", "source": "test"}

    def __init__(self, answer: Answer = Answer.ONCE) -> None:
        self.answer = answer
        self.asked: list[ApprovalPrompt] = []

    def ask(self, prompt: ApprovalPrompt) -> Answer:
        self.asked.append(prompt)
        return self.answer


class Session:
    def __init__(self, workspace: Path, asker: Asker, overrides: Sequence[str] = ()) -> None:
        self.runtime = open_runtime(workspace, overrides=overrides, attach_sinks=False)
        self.stack: Stack = open_stack(self.runtime, workspace, asker=asker)
        source = self.runtime.plugins.registries.tool_sources.get("mcp")
        assert source is not None, "the mcp plugin's tool source is not registered"
        self.source: Any = source.obj

    def ready(self, timeout: float = 60) -> Session:
        assert self.source.wait_ready(timeout), "servers did not list their tools in time"
        return self

    def call(self, name: str, args: dict[str, Any]) -> Any:
        return self.stack.runner.call(name, args, call_id="c1")

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [dict(e.payload) for e in self.runtime.bus.history if e.type == kind]

    def tool_names(self) -> list[str]:
        assert self.stack.catalog is not None
        return [e.name for e in self.stack.catalog.source_entries()]

    def close(self) -> None:
        self.stack.close()
        self.runtime.bus.close("normal")
