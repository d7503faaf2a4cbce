"""Assemble everything one agent session acts through, from an opened runtime: the policy engine (with the
tools' risk classes and the review plugins), approvals, the sandbox (fail closed), the tool runner, the
tool specs and the session store. `vtcode exec` and `vtcode demo` share it: the demo runs the real stack."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vtcode_hookspecs import (
    CommandSandbox,
    Error,
    Payload,
    RiskClass,
    SessionStore,
    ToolSourceSetup,
    ToolSpec,
)

from vtcode.approvals import ApprovalBroker, Asker, NoTerminal, TerminalAsker
from vtcode.approvals.always import UserPolicyStore, lexical_path
from vtcode.approvals.hosts import ApprovedHosts
from vtcode.checkpoints import Checkpoints, CheckpointStore, prune, pruned_event
from vtcode.config.models import CheckpointsConfig
from vtcode.hooks import HookRunner
from vtcode.policy.auto import AutoApproval
from vtcode.policy.engine import PolicyEngine
from vtcode.runtime import Runtime
from vtcode.sandbox import SandboxDenied, approved_hosts, network_asker, open_sandbox
from vtcode.tools import ToolRunner
from vtcode.tools.catalog import ToolCatalog
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
    catalog: ToolCatalog | None = None
    checkpoints: Checkpoints | None = None

    def source_specs(self) -> list[ToolSpec]:
        """The specs of the tools the open sources (MCP servers) offer now: asked before every request."""
        return tool_specs(self.catalog.source_entries()) if self.catalog is not None else []

    def close(self) -> None:
        """Stop what the session started: the tool sources' servers, the checkpoints' watcher."""
        if self.catalog is not None:
            self.catalog.close()
        if self.checkpoints is not None:
            self.checkpoints.close()


def default_asker(root: Path | None = None) -> Asker:
    """The terminal when stdin is one; otherwise nobody can consent, so a prompt is a denial."""
    if sys.stdin is None or not sys.stdin.isatty():
        return NoTerminal()
    return TerminalAsker(jail=Jail(root) if root is not None else None)


def open_checkpoints(runtime: Runtime, root: Path) -> Checkpoints | None:
    settings = runtime.config.config.checkpoints
    if not settings.enabled:
        return None
    store = CheckpointStore(root, size_cap=settings.max_file_bytes, watch=settings.watch,
                            max_watches=settings.max_watches)
    service = Checkpoints(store, runtime.bus.emit, session=runtime.bus.session)  # marks the session live
    threading.Thread(target=_warm, args=(store, settings, runtime.bus.record), name="vtcode-checkpoint-warm",
                     daemon=True).start()
    return service


def _warm(store: CheckpointStore, settings: CheckpointsConfig, record: Callable[[Payload], object]) -> None:
    # Best effort: a failure here shows up, with its reason, at the first checkpoint that needs it.
    with contextlib.suppress(Exception):
        store.warm()
    if settings.prune_on_start:
        with contextlib.suppress(Exception):  # an audit log that cannot take the event: nothing is dropped
            prune(store, keep_sessions=settings.keep_sessions, keep_days=settings.keep_days,
                  record=lambda plan: record(pruned_event(
                      plan, store, keep_sessions=settings.keep_sessions, keep_days=settings.keep_days,
                      via="session start")))


def open_stack(
    runtime: Runtime,
    root: Path,
    *,
    asker: Asker | None = None,
    specs: list[ToolSpec] | None = None,
    hooks: HookRunner | None = None,
) -> Stack:
    """`specs`: the tool specs when the caller built them already (exec, for its first request)."""
    registries = runtime.plugins.registries
    config = runtime.config
    catalog = ToolCatalog(registries.tools, registries.tool_sources)

    def risk_of(name: str) -> RiskClass | None:
        entry = catalog.get(name)
        return entry.obj.risk if entry is not None else None

    sandbox: CommandSandbox | None
    try:
        # Egress questions have their own broker: "always" saves a host for this workspace in the user's
        # config dir (ApprovedHosts), not a tool rule in tool-policy.json.
        network_broker = ApprovalBroker(
            asker or default_asker(root),
            runtime.bus,
            always=ApprovedHosts(root),
            allow_always=config.config.approvals.allow_always,
        )
        sandbox = open_sandbox(registries.sandboxes, config.config.sandbox, root, runtime.bus,
                               ask_network=network_asker(network_broker),
                               approved_hosts=approved_hosts(root, runtime.bus))
    except SandboxDenied as exc:  # fail closed: tools that run processes refuse, the rest still work
        runtime.bus.record(Error(message=f"no sandbox: commands will be refused ({exc})", source="sandbox"))
        sandbox = None
    checkpoints = open_checkpoints(runtime, root)
    auto = None
    if config.config.approvals.mode == "auto":
        if checkpoints is not None:
            checkpoints.store.ensure()  # the probe must find the store there to try writing it
        auto = AutoApproval(root, sandbox, checkpoints_on=checkpoints is not None,
                            store_dir=checkpoints.store.dir if checkpoints is not None else None,
                            emit=runtime.bus.emit)
    reviewers = runtime.plugins.pm.hook.review_action.get_hookimpls()
    jail = Jail(root)
    engine = PolicyEngine(
        config,
        Jail(root),
        reviewer=runtime.plugins.review if reviewers else None,
        risk_of=risk_of,
        source_tool=catalog.is_source_tool,
        auto=auto,
    )
    broker = ApprovalBroker(
        asker or default_asker(root),
        runtime.bus,
        always=UserPolicyStore(root=root, paths=jail),
        resolve=lambda path, write: (lexical_path(root, path), jail.check(path, write=write).resolved),
        allow_always=config.config.approvals.allow_always,
    )
    caps = {
        name: c.max_response_bytes
        for name, c in config.tool_policy.constraints.items()
        if c.max_response_bytes is not None
    }
    runner = ToolRunner(
        catalog, engine, broker, runtime.bus, Jail(root), max_response_bytes=caps, sandbox=sandbox,
        hooks=hooks, checkpoints=checkpoints,
    )
    store = session_store(registries.storage)
    specs = tool_specs(registries.tools) if specs is None else specs

    def emit(kind: str, payload: dict[str, Any]) -> None:
        runtime.bus.emit(kind, payload, actor="tool-source")

    catalog.open(lambda name: source_setup(runtime, root, name), sandbox, emit)
    return Stack(runtime, root, runner, specs, store, sandbox, catalog, checkpoints)


def source_setup(runtime: Runtime, root: Path, name: str) -> ToolSourceSetup:
    """A source's own config table (`[mcp]` for the `mcp` source) and which layer set each of its keys."""
    return runtime.config.source_setup(name, root)
