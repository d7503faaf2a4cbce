"""Assemble everything one agent session acts through, from an opened runtime: the policy engine (with the
tools' risk classes and the review plugins), approvals, the sandbox (fail closed), the tool runner, the
tool specs and the session store. `vtcode exec` and `vtcode demo` share it: the demo runs the real stack."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from vtcode_hookspecs import CommandSandbox, RiskClass, SessionStore, ToolSpec

from vtcode.approvals import ApprovalBroker, Asker, NoTerminal, TerminalAsker
from vtcode.approvals.always import UserPolicyStore, lexical_path
from vtcode.policy.engine import PolicyEngine
from vtcode.runtime import Runtime
from vtcode.sandbox import SandboxDenied, open_sandbox
from vtcode.tools import ToolRunner
from vtcode.workspace import Jail

from .session import session_store
from .specs import tool_specs


@dataclass
class Stack:
    runtime: Runtime
    root: Path
    runner: ToolRunner
    specs: list[ToolSpec]
    store: SessionStore | None
    sandbox: CommandSandbox | None


def default_asker(root: Path | None = None) -> Asker:
    """The terminal when stdin is one; otherwise nobody can consent, so a prompt is a denial."""
    if sys.stdin is None or not sys.stdin.isatty():
        return NoTerminal()
    return TerminalAsker(jail=Jail(root) if root is not None else None)


def open_stack(
    runtime: Runtime, root: Path, *, asker: Asker | None = None, specs: list[ToolSpec] | None = None
) -> Stack:
    """`specs`: the tool specs when the caller built them already (exec, for its first request)."""
    registries = runtime.plugins.registries
    config = runtime.config

    def risk_of(name: str) -> RiskClass | None:
        entry = registries.tools.get(name)
        return entry.obj.risk if entry is not None else None

    reviewers = runtime.plugins.pm.hook.review_action.get_hookimpls()
    jail = Jail(root)
    engine = PolicyEngine(
        config, Jail(root), reviewer=runtime.plugins.review if reviewers else None, risk_of=risk_of
    )
    broker = ApprovalBroker(
        asker or default_asker(root),
        runtime.bus,
        always=UserPolicyStore(root=root, paths=jail),
        resolve=lambda path, write: (lexical_path(root, path), jail.check(path, write=write).resolved),
        allow_always=config.config.approvals.allow_always,
    )
    sandbox: CommandSandbox | None
    try:
        sandbox = open_sandbox(registries.sandboxes, config.config.sandbox, root, runtime.bus)
    except SandboxDenied as exc:  # fail closed: tools that run processes refuse, the rest still work
        runtime.bus.emit(
            "error", {"message": f"no sandbox: commands will be refused ({exc})", "source": "sandbox"}
        )
        sandbox = None
    caps = {
        name: c.max_response_bytes
        for name, c in config.tool_policy.constraints.items()
        if c.max_response_bytes is not None
    }
    runner = ToolRunner(
        registries.tools, engine, broker, runtime.bus, Jail(root), max_response_bytes=caps, sandbox=sandbox
    )
    store = session_store(registries.storage)
    specs = tool_specs(registries.tools) if specs is None else specs
    return Stack(runtime, root, runner, specs, store, sandbox)
