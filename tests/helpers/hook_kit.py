"""Helpers for hook tests: `vtcode exec` with hooks from the user's (or the managed) vtcode.toml, against
the scripted model server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.openai_stub import OpenAIStub, Reply

VTCODE = str(Path(sys.executable).parent / "vtcode")


@dataclass
class Run:
    result: subprocess.CompletedProcess[str]
    stub: OpenAIStub
    events: list[dict[str, Any]]

    def of(self, type_: str) -> list[dict[str, Any]]:
        return [e["payload"] for e in self.events if e["type"] == type_]

    def model_saw(self) -> str:
        return json.dumps([r["messages"] for r in self.stub.chat_requests])


def answer_script(answer: dict[str, Any] | str, *, before: str = "") -> str:
    text = answer if isinstance(answer, str) else json.dumps(answer)
    return f"{before}\ncat > /dev/null\nprintf '%s' '{text}'\n"


@dataclass
class HookKit:
    root: Path
    hooks_dir: Path
    config_dir: Path
    managed_file: Path

    def script(self, name: str, body: str) -> str:
        path = self.hooks_dir / f"{name}.sh"
        path.write_text(body)
        return str(path)

    def table(self, name: str, events: list[str], body: str, **extra: Any) -> str:
        lines = [f"[hooks.commands.{name}]", f"events = {json.dumps(events)}",
                 f'command = ["/bin/sh", {json.dumps(self.script(name, body))}]']
        lines += [f"{key} = {json.dumps(value)}" for key, value in extra.items()]
        return "\n".join(lines) + "\n"

    def user(self, *tables: str) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "vtcode.toml").write_text("\n".join(tables))

    def managed(self, text: str) -> None:
        self.managed_file.parent.mkdir(parents=True, exist_ok=True)
        self.managed_file.write_text(text)

    def exec(self, script: list[Reply], *args: str, prompt: str = "do the task") -> Run:
        with OpenAIStub(script) as stub:
            argv = [VTCODE, "exec", "--provider", "openai-compat", "--base-url", stub.base_url,
                    "--model", "m", "--workspace", str(self.root), "--events", "jsonl", *args, prompt]
            env = {**os.environ, "VTCODE_AUDIT_DIR": str(self.root.parent / "audit")}
            result = subprocess.run(argv, capture_output=True, text=True, timeout=180,
                                    stdin=subprocess.DEVNULL, env=env)
        events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
        return Run(result, stub, events)


def make_kit(workspace: Path, tmp_path: Path) -> HookKit:
    hooks_dir = tmp_path / "user-hooks"
    hooks_dir.mkdir()
    return HookKit(workspace, hooks_dir, Path(os.environ["VTCODE_CONFIG_DIR"]),
                   Path(os.environ["VTCODE_MANAGED_CONFIG"]))
