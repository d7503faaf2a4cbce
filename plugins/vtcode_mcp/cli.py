"""`vtcode mcp list|approve|revoke|tools`: what would start and why not, approvals by identity, tools.

Each command takes the one CommandContext every vtcode command takes (--workspace, --config, -c, --json),
and reads the `[mcp]` table as a session hands it to the source (`invocation.source_setup("mcp")`), so
what `list` says is what a session runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
from vtcode_hookspecs import Error, McpApproval

from vtcode.api import (
    CommandAudit,
    CommandContext,
    VtcodeError,
    reports_errors,
    say,
    say_json,
    workspace_options,
)

if TYPE_CHECKING:  # the plan and its models are imported when a command runs, not when vtcode starts
    from .config import McpConfig
    from .plan import Planned

AS_JSON = click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")


class McpCliError(VtcodeError):
    exit_code = 2


def _planned(invocation: CommandContext) -> tuple[Path, McpConfig, bool, list[Planned]]:
    """The workspace root, its `[mcp]` table, whether the workspace is trusted, and what would start."""
    from .config import McpConfig
    from .plan import plan

    setup = invocation.source_setup("mcp")
    root = Path(setup.workspace)
    mcp = McpConfig.model_validate(setup.settings)
    return root, mcp, setup.trusted, plan(mcp, setup.layers, root, trusted=setup.trusted)


@click.group(name="mcp")
def mcp_group() -> None:
    """MCP servers: which start and why not, approve or revoke a workspace's server, list tools."""


@mcp_group.command(name="list")
@AS_JSON
@workspace_options
@reports_errors
def list_servers(invocation: CommandContext) -> None:
    """Every configured or proposed server: its source, identity, and whether it starts (and why not)."""
    from .plan import describe

    root, _, _, planned = _planned(invocation)
    rows = [describe(p) for p in planned]
    if invocation.as_json:
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
@workspace_options
@reports_errors
def approve(name: str, invocation: CommandContext) -> None:
    """Approve the server NAME that this workspace proposes (.vtcode/mcp.toml), exactly as it is now."""
    from . import approvals
    from .identity import summary
    from .plan import ProposalError, proposals

    root, mcp, trusted, _ = _planned(invocation)
    if not trusted:
        raise McpCliError(f"{root}: the workspace is not trusted, and its servers never start; "
                          "run `vtcode trust` first")
    try:
        proposed = proposals(root)
    except ProposalError as exc:
        raise McpCliError(str(exc)) from None
    if name in mcp.servers:
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
    with invocation.audit_trail() as audit:  # recorded (durably) first: no approval without its record
        audit.record(McpApproval(server=name, action="approved", identity=identity.digest,
                                 what=identity.describe()[:500], workspace=str(root), who=audit.who,
                                 via="cli"))
        _saved(audit, name, lambda: approvals.approve(str(root), name, record))
    say(f"approved {name}: {identity.describe()}")
    say(f"    identity {identity.digest}; any change to it needs a new approval")


@mcp_group.command(name="revoke")
@click.argument("name")
@workspace_options
@reports_errors
def revoke(name: str, invocation: CommandContext) -> None:
    """Withdraw your approval of the workspace's server NAME."""
    from . import approvals

    root = invocation.root()
    invocation.load_config()  # a bad config is reported, never ignored
    was = approvals.approved_digest(str(root), name)
    if was is None:
        raise McpCliError(f"no approval of {name!r} for {root}")
    with invocation.audit_trail() as audit:
        audit.record(McpApproval(server=name, action="revoked", identity=was, workspace=str(root),
                                 who=audit.who, via="cli"))
        _saved(audit, name, lambda: approvals.revoke(str(root), name))
    say(f"revoked {name} for {root}")


def _saved(audit: CommandAudit, name: str, change: Callable[[], object]) -> None:
    """Change the approvals file after its record; a change that fails is said in the trail too."""
    try:
        change()
    except (OSError, ValueError) as exc:
        audit.record(Error(message=f"MCP approval of {name!r} not changed: {exc}", source="mcp"))
        raise McpCliError(str(exc)) from None


@mcp_group.command(name="tools")
@AS_JSON
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=30.0, show_default=True,
              help="Seconds to wait for the servers to list their tools.")
@workspace_options
@reports_errors
def tools(timeout: float, invocation: CommandContext) -> None:
    """Start the servers that may start (confined, as in a session), and list their tools and the policy
    each tool gets."""
    from .source import McpSource

    with invocation.open_tools() as session:
        source = session.source("mcp")
        if isinstance(source, McpSource):
            source.wait_ready(timeout)
        rows = []
        for tool in session.source_tools():
            decision = session.decide(tool.name)  # the very engine a session asks
            rows.append({"name": tool.name, "policy": decision.verdict.value, "rule": decision.rule,
                         "risk": tool.risk.value, "description": tool.description})
        states = {}
        if isinstance(source, McpSource):
            states = {name: {"state": c.state, "reason": c.reason} for name, c in source.connections.items()}
    if invocation.as_json:
        say_json(json.dumps({"servers": states, "tools": rows}))
        return
    for name, state in states.items():
        say(f"{name}: {state['state']}" + (f" ({state['reason']})" if state["reason"] else ""))
    for row in rows:
        say(f"  {row['name']}  [{row['policy']}, {row['risk']}]")


@mcp_group.command(name="prompts")
@click.argument("server", required=False)
@click.argument("prompt", required=False)
@click.option("--arg", "arguments", multiple=True, metavar="KEY=VALUE",
              help="A prompt argument (repeatable).")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=30.0, show_default=True,
              help="Seconds to wait for the servers to start and answer.")
@AS_JSON
@workspace_options
@reports_errors
def prompts(server: str | None, prompt: str | None, arguments: tuple[str, ...], timeout: float,
            invocation: CommandContext) -> None:
    """List the prompts of the servers that start (or of SERVER); with PROMPT, fetch it filled with the
    --arg values and print its messages for you to read. Nothing is sent to a model."""
    from .prompts import fetched, listed
    from .source import McpSource

    values: dict[str, str] = {}
    for item in arguments:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise McpCliError(f"--arg {item!r}: expected KEY=VALUE")
        values[key] = value
    if prompt is not None and server is None:
        raise McpCliError("name the server of the prompt: vtcode mcp prompts SERVER PROMPT")
    with invocation.open_tools() as session:
        source = session.source("mcp")
        if not isinstance(source, McpSource):
            raise McpCliError("the MCP plugin is not loaded")
        source.wait_ready(timeout)
        names = [server] if server else sorted(source.connections)
        try:
            if prompt is not None and server is not None:
                messages = fetched(source, server, prompt, values, timeout)
                if invocation.as_json:
                    say_json(json.dumps({"server": server, "prompt": prompt, "messages": messages}))
                    return
                for message in messages:
                    say(f"[{message['role']}]")
                    say(message["text"])
                return
            found: dict[str, list[dict[str, object]]] = {}
            problems: dict[str, str] = {}
            for name in names:
                try:
                    found[name] = listed(source, name, timeout)
                except ValueError as exc:
                    if server is not None:
                        raise
                    problems[name] = str(exc)
        except ValueError as exc:
            raise McpCliError(str(exc)) from None
    if invocation.as_json:
        say_json(json.dumps({"prompts": found, "unavailable": problems}))
        return
    for name, problem in problems.items():
        say(f"{name}: {problem}")
    for name, rows in found.items():
        say(f"{name}: {len(rows)} prompt(s)")
        for row in rows:
            args = ", ".join(str(a["name"]) + ("" if a["required"] else "?")
                             for a in row["arguments"])  # type: ignore[attr-defined]
            say(f"  {row['name']}({args})  {row['description']}")
