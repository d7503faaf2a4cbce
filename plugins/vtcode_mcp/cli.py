"""`vtcode mcp list|approve|revoke|tools`: what would start and why not, approvals by identity, tools."""

from __future__ import annotations

import json
from pathlib import Path

import click

from vtcode.cli.options import reports_errors
from vtcode.errors import VtcodeError
from vtcode.terminal.echo import say, say_json

WORKSPACE = click.option("--workspace", type=click.Path(path_type=Path), default=None,
                         help="Workspace root (default: the current directory).")
AS_JSON = click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")


class McpCliError(VtcodeError):
    exit_code = 2


def _planned(workspace: Path | None):  # type: ignore[no-untyped-def]
    from vtcode.config import load_config
    from vtcode.config.models import McpConfig
    from vtcode.workspace import resolve_root

    from .plan import plan

    root = resolve_root(workspace)
    config = load_config(root)
    mcp: McpConfig = config.config.mcp
    layers = {k: v for k, v in config.sources.items() if k.startswith("mcp.")}
    return root, config, plan(mcp, layers, root, trusted=config.trust.trusted)


@click.group(name="mcp")
def mcp_group() -> None:
    """MCP servers: which start and why not, approve or revoke a workspace's server, list tools."""


@mcp_group.command(name="list")
@WORKSPACE
@AS_JSON
@reports_errors
def list_servers(workspace: Path | None, as_json: bool) -> None:
    """Every configured or proposed server: its source, identity, and whether it starts (and why not)."""
    from .plan import describe

    root, _, planned = _planned(workspace)
    rows = [describe(p) for p in planned]
    if as_json:
        say_json(json.dumps({"workspace": str(root), "servers": rows}))
        return
    if not rows:
        say("no MCP servers configured ([mcp.servers.NAME] in vtcode.toml) or proposed (.vtcode/mcp.toml)")
    for row in rows:
        state = "starts" if row["start"] else "does not start"
        say(f"{row['name']} ({row['source']}): {state}" + ("" if row["start"] else f": {row['reason']}"))
        if row["what"]:
            say(f"    {row['what']}")
            say(f"    identity {row['identity']}")


@mcp_group.command(name="approve")
@click.argument("name")
@WORKSPACE
@reports_errors
def approve(name: str, workspace: Path | None) -> None:
    """Approve the server NAME that this workspace proposes (.vtcode/mcp.toml), exactly as it is now."""
    from . import approvals
    from .identity import summary
    from .plan import ProposalError, proposals

    root, config, _ = _planned(workspace)
    if not config.trust.trusted:
        raise McpCliError(f"{root}: the workspace is not trusted, and its servers never start; "
                          "run `vtcode trust` first")
    try:
        proposed = proposals(root)
    except ProposalError as exc:
        raise McpCliError(str(exc)) from None
    if name in config.config.mcp.servers:
        raise McpCliError(f"{name!r} is your own server ([mcp.servers.{name}]): it needs no approval")
    if name not in proposed:
        raise McpCliError(f"{root / '.vtcode/mcp.toml'}: proposes no server {name!r} "
                          f"(it proposes: {', '.join(sorted(proposed)) or 'none'})")
    from .identity import identity_of
    from .plan import SERVER_NAME, proposal_problem

    problem = proposal_problem(proposed[name])
    if problem is None and not SERVER_NAME.match(name):
        problem = f"server name {name!r}: lower-case letters, digits, '-' and '_' only"
    if problem:
        raise McpCliError(f"{root / '.vtcode/mcp.toml'}: servers.{name}: {problem}")
    try:
        identity = identity_of(proposed[name], root)
    except OSError as exc:
        raise McpCliError(f"servers.{name}: cannot establish its identity: {exc}") from None
    record = summary(identity)
    approvals.approve(str(root), name, record)
    say(f"approved {name}: {identity.describe()}")
    say(f"    identity {identity.digest}; any change to it needs a new approval")


@mcp_group.command(name="revoke")
@click.argument("name")
@WORKSPACE
@reports_errors
def revoke(name: str, workspace: Path | None) -> None:
    """Withdraw your approval of the workspace's server NAME."""
    from vtcode.workspace import resolve_root

    from . import approvals

    root = resolve_root(workspace)
    if not approvals.revoke(str(root), name):
        raise McpCliError(f"no approval of {name!r} for {root}")
    say(f"revoked {name} for {root}")


@mcp_group.command(name="tools")
@WORKSPACE
@AS_JSON
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=30.0, show_default=True,
              help="Seconds to wait for the servers to list their tools.")
@reports_errors
def tools(workspace: Path | None, as_json: bool, timeout: float) -> None:
    """Start the servers that may start (confined, as in a session), and list their tools and the policy
    each tool gets."""
    from vtcode_hookspecs import ActionRequest

    from vtcode.agent.stack import open_stack
    from vtcode.approvals import NoTerminal
    from vtcode.runtime import open_runtime
    from vtcode.workspace import resolve_root

    root = resolve_root(workspace)
    runtime = open_runtime(root)
    stack = open_stack(runtime, root, asker=NoTerminal())
    try:
        entry = runtime.plugins.registries.tool_sources.get("mcp")
        if entry is not None and hasattr(entry.obj, "wait_ready"):
            entry.obj.wait_ready(timeout)
        rows = []
        catalog = stack.catalog
        assert catalog is not None
        engine = stack.runner.engine  # the very engine a session asks
        for tool in catalog.source_entries():
            decision = engine.decide(ActionRequest(kind="tool", tool=tool.name))
            rows.append({"name": tool.name, "policy": decision.verdict.value, "rule": decision.rule,
                         "risk": tool.obj.risk.value, "description": tool.obj.description})
        states = {}
        if entry is not None:
            states = {name: {"state": c.state, "reason": c.reason}
                      for name, c in getattr(entry.obj, "connections", {}).items()}
    finally:
        stack.close()
        runtime.bus.close("normal")
    if as_json:
        say_json(json.dumps({"servers": states, "tools": rows}))
        return
    for name, state in states.items():
        say(f"{name}: {state['state']}" + (f" ({state['reason']})" if state["reason"] else ""))
    for row in rows:
        say(f"  {row['name']}  [{row['policy']}, {row['risk']}]")
