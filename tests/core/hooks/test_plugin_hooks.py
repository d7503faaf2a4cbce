"""`lifecycle_hook` plugins through the real gate and the real security stack, in process."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from helpers.plugin_sources import LIFECYCLE
from vtcode_hookspecs import Verdict

from vtcode.agent.stack import open_stack
from vtcode.approvals import NoTerminal
from vtcode.config import load_config
from vtcode.events import EventBus
from vtcode.hooks import hook_runner
from vtcode.plugins import load_plugins
from vtcode.runtime import Runtime
from vtcode.workspace.trust import write_trust


def runtime_with(target: Path, workspace: Path, *overrides: str) -> Runtime:
    config = load_config(workspace, overrides=("plugins.third_party=\"any\"", *overrides))
    bus = EventBus()
    host = load_plugins(config.config.plugins, bus, path=[str(target), *sys.path])
    return Runtime(config, bus, host)


def test_hook_lifecycle_hook(install_plugins: Any, workspace: Path) -> None:
    target = install_plugins(("vtcode-t-life", {"vtcode_t_life": LIFECYCLE}, {"life": "vtcode_t_life"}))
    for name in ("allowed.txt", "deny.txt", "boom.txt"):
        (workspace / name).write_text(f"content of {name}\n")
    write_trust(workspace)
    runtime = runtime_with(target, workspace)
    hooks = hook_runner(runtime, workspace, lambda: None)
    assert hooks is not None
    runner = open_stack(runtime, workspace, asker=NoTerminal(), hooks=hooks).runner

    allowed = runner.call("read_file", {"path": "allowed.txt"})
    assert allowed.result.ok and allowed.result.output.endswith("content of allowed.txt\n")
    outside = runner.call("read_file", {"path": "/etc/passwd"})  # the policy denies: an allow changes nothing
    assert outside.decision is not None and outside.decision.verdict is Verdict.DENY
    assert "root:" not in outside.result.output
    write = runner.call("write_file", {"path": "new.txt", "content": "x"})  # a prompt, nobody to ask
    assert write.answer is not None and not write.answer.allows and not (workspace / "new.txt").exists()

    denied = runner.call("read_file", {"path": "deny.txt"})
    assert denied.decision is not None and denied.decision.rule == "hook:life"
    assert "content of" not in denied.result.output and "try another file" in denied.result.output
    crashed = runner.call("read_file", {"path": "boom.txt"})
    assert crashed.decision is not None and crashed.decision.verdict is Verdict.DENY
    assert "failing closed" in crashed.decision.reason and "content of" not in crashed.result.output

    ran = [e.payload for e in runtime.bus.history if e.type == "hook.ran"]
    ran = [p for p in ran if p["event"] == "pre_tool"]
    assert all((p["source"], p["kind"]) == ("plugin:life", "plugin") for p in ran)
    assert [p["effect"] for p in ran] == ["none", "none", "none", "deny+message", "failed-closed"]
    seen = sys.modules["vtcode_t_life"].SEEN
    assert ("pre_tool", "deny") in seen and ("pre_tool", "allow") in seen  # it saw the policy's decision
    assert ("approval_requested", "prompt") in seen


def test_managed_forbidding_non_managed_hooks_silences_plugins(
    install_plugins: Any, workspace: Path, isolated_user_dirs: Path
) -> None:
    target = install_plugins(("vtcode-t-life2", {"vtcode_t_life2": LIFECYCLE}, {"life2": "vtcode_t_life2"}))
    managed = isolated_user_dirs / "etc" / "managed.toml"
    managed.parent.mkdir(parents=True, exist_ok=True)
    managed.write_text("[hooks]\nallow_non_managed = false\n")
    runtime = runtime_with(target, workspace)
    assert hook_runner(runtime, workspace, lambda: None) is None
    notices = [e.payload["message"] for e in runtime.bus.history if e.type == "config.notice"]
    assert any("plugin life2's lifecycle hook not run" in n for n in notices)
