"""A ToolRunner over a test host: the real policy engine (with the host's review plugins), the real
approval broker answered by a ScriptedApprover, the jail, events, and a sandbox when one is available."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vtcode_hookspecs import CommandSandbox, RiskClass

from vtcode.approvals import ApprovalBroker, Asker
from vtcode.config import load_config
from vtcode.plugins import PluginHost
from vtcode.policy.engine import PolicyEngine
from vtcode.sandbox import SandboxDenied, open_sandbox
from vtcode.tools import ToolRunner
from vtcode.workspace import Jail

from .approver import ScriptedApprover


def tool_runner(
    host: PluginHost,
    workspace: Path,
    *,
    approver: Asker | None = None,
    overrides: Sequence[str] = (),
    config_files: Sequence[Path] = (),
) -> ToolRunner:
    """`runner.call(name, {"arg": ...})` runs one tool call end to end, as the agent would: argument
    validation, policy, approval (by `approver`; default: deny every prompt), tool.started/finished
    events on `host.bus`, output capping. `overrides` are `-c key=value` settings."""
    config = load_config(workspace, config_files=config_files, overrides=overrides)
    tools = host.registries.tools

    def risk_of(name: str) -> RiskClass | None:
        entry = tools.get(name)
        return entry.obj.risk if entry is not None else None

    reviewing = bool(host.pm.hook.review_action.get_hookimpls())
    reviewer = host.review if reviewing else None
    engine = PolicyEngine(config, Jail(workspace), reviewer=reviewer, risk_of=risk_of)
    # No "always allow" store: a test's answers must not outlive the test.
    broker = ApprovalBroker(approver or ScriptedApprover(), host.bus, always=None, allow_always=False)
    sandbox: CommandSandbox | None
    try:
        sandbox = open_sandbox(host.registries.sandboxes, config.config.sandbox, workspace, host.bus)
    except SandboxDenied:  # fail closed, as the agent does: tools that spawn processes are refused
        sandbox = None
    caps = {
        name: c.max_response_bytes
        for name, c in config.tool_policy.constraints.items()
        if c.max_response_bytes is not None
    }
    jail = Jail(workspace)
    return ToolRunner(tools, engine, broker, host.bus, jail, max_response_bytes=caps, sandbox=sandbox)
