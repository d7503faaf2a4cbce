"""No CLI command prints hostile text raw. Each command here prints something an attacker chooses — a
repository's file names (`find`, `symbols`), a session's title (`sessions list`, the first prompt, e.g. an
issue body), a server's model ids (`models`) and error messages (`exec`), a recorded command (`audit
replay`) — and each is fed ESC, OSC, C1 and bidi characters. The invariant, over every command: nothing a
terminal acts on reaches stdout or stderr (`vtcode.terminal.echo.say` is the CLI's one way to print)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.audit_logs import decision
from helpers.openai_stub import OpenAIStub, Reply

VTCODE = str(Path(sys.executable).parent / "vtcode")
HOSTILE = "x\x1b]0;PWNED\x07\x1b[2J\x9b2K\u202e\u200b\ufe0fy"
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\u200b", "\ufe0f")


def _run(argv: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VTCODE, *argv], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          stdin=subprocess.DEVNULL, env={**os.environ})


def _find(workspace: Path) -> subprocess.CompletedProcess[str]:
    (workspace / f"evil{HOSTILE}.txt").write_text("x\n")
    return _run(["find", "evil", "--workspace", str(workspace)], workspace)


def _symbols(workspace: Path) -> subprocess.CompletedProcess[str]:
    (workspace / f"mod{HOSTILE}.py").write_text("def handler():\n    return 1\n")
    return _run(["symbols", ".", "--workspace", str(workspace)], workspace)


def _sessions_list(workspace: Path) -> subprocess.CompletedProcess[str]:
    with OpenAIStub(default=Reply(text="done")) as stub:
        done = _run(["exec", "--provider", "openai-compat", "--base-url", stub.base_url, "--model", "m",
                     "--workspace", str(workspace), f"Fix issue #12: {HOSTILE} details"], workspace)
    assert done.returncode == 0, done.stderr
    return _run(["sessions", "list"], workspace)


def _models(workspace: Path) -> subprocess.CompletedProcess[str]:
    with OpenAIStub(models=[f"model{HOSTILE}"]) as stub:
        return _run(["models", "--provider", "openai-compat", "-c",
                     f"providers.openai-compat.base_url={stub.base_url!r}".replace("'", '"'),
                     "--workspace", str(workspace)], workspace)


def _exec_error(workspace: Path) -> subprocess.CompletedProcess[str]:
    with OpenAIStub(default=Reply.failure(400, f"bad request {HOSTILE}")) as stub:
        return _run(["exec", "--provider", "openai-compat", "--base-url", stub.base_url, "--model", "m",
                     "--workspace", str(workspace), "-c", "providers.retries=0", "hi"], workspace)


def _audit_replay(workspace: Path) -> subprocess.CompletedProcess[str]:
    from helpers.audit_logs import audit_bus

    logs = workspace.parent / "audit"
    bus, _ = audit_bus(logs, session="s1")
    bus.start({"workspace": str(workspace)})
    bus.emit("policy.decision", decision(f"echo {HOSTILE}", verdict="allow", call_id="c1"))
    bus.close()
    policy = workspace.parent / "policy.toml"
    policy.write_text("")
    return _run(["audit", "replay", str(logs / "s1.jsonl"), "--policy", str(policy),
                 "--workspace", str(workspace)], workspace)


COMMANDS: dict[str, Callable[[Path], subprocess.CompletedProcess[str]]] = {
    "find": _find, "symbols": _symbols, "sessions list": _sessions_list, "models": _models,
    "exec error": _exec_error, "audit replay": _audit_replay,
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_cli_command_prints_hostile_text_raw(workspace: Path, command: str) -> None:
    result = COMMANDS[command](workspace)
    out = result.stdout + result.stderr
    assert "PWNED" in out, out  # the hostile text was printed, as visible escapes
    for raw in RAW:
        assert raw not in out, (command, raw, out)
