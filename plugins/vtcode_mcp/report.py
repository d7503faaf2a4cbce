"""The servers screen's view of the source (vtcode_hookspecs.ServerReport): every configured or proposed
server with its state and identity, what it offers (tools, prompts, resources), and the person's approval
or revocation of a workspace's proposal.

An approval from the screen is the same record `vtcode mcp approve` writes, and is written only if the
proposal's identity is still the one the person was shown: a `.vtcode/mcp.toml` or executable changed
between showing and pressing `y` is refused, not approved. A revocation stops the server at once and takes
its tools away. Server-provided text is returned as the server sent it (cut to a length): the screen
neutralises it before it reaches the terminal."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vtcode_hookspecs import Approver, McpApproval, SourceOffer, SourceServer

from vtcode.api import os_identity

from . import approvals
from .plan import SERVER_NAME, Planned, proposal_problem, proposals

if TYPE_CHECKING:
    from .connection import Connection
    from .source import McpSource

TEXT_CAP = 500  # characters of a server's description kept for the screen
LIST_CAP = 200  # prompts or resources listed per server


def servers(source: McpSource, timeout: float) -> list[SourceServer]:
    setup = source.setup
    if setup is None:
        return []
    done = _approved(setup.workspace)
    return [_row(source, entry, done, timeout) for entry in source.planned]


def _approved(workspace: str) -> dict[str, str]:
    try:
        stored = approvals.load().get(workspace, {})
    except ValueError:
        return {}
    return {name: str(entry.get("digest")) for name, entry in stored.items() if isinstance(entry, dict)}


def _row(source: McpSource, entry: Planned, done: dict[str, str], timeout: float) -> SourceServer:
    digest = entry.identity.digest if entry.identity else None
    common: dict[str, Any] = {
        "name": entry.name,
        "origin": entry.source,
        "identity": digest,
        "what": entry.identity.describe() if entry.identity else None,
        "approved": entry.source == "workspace" and entry.name in done,
    }
    connection = source.connections.get(entry.name)
    if connection is not None:
        if entry.source == "workspace" and entry.name not in done:  # started approved, since revoked
            return SourceServer(state="revoked", reason="stopped: your approval was revoked", **common)
        offers = [SourceOffer(kind="tool", name=t.name, description=t.description[:TEXT_CAP])
                  for t in sorted(source.offered(entry.name), key=lambda t: t.name)]
        offers += _listed(source, connection, timeout)
        return SourceServer(state=connection.state, reason=connection.reason, offers=offers, **common)
    if entry.start:  # planned, but the sandbox or its token could not be had
        return SourceServer(state="refused", reason=source.refused.get(entry.name, "not started"), **common)
    if digest is not None and done.get(entry.name) == digest:
        return SourceServer(state="approved", reason="approved: it starts with the next session", **common)
    approvable = (
        entry.source == "workspace"
        and digest is not None
        and ("not approved" in entry.reason or "changed since you approved" in entry.reason)
    )
    state = "needs approval" if approvable else "refused"
    return SourceServer(state=state, reason=entry.reason, approvable=approvable, **common)


def _listed(source: McpSource, connection: Connection, timeout: float) -> list[SourceOffer]:
    """The server's prompts and resources, asked now (a server without them answers with an error,
    which means none), for the person to see (docs/decisions/2301)."""
    session, loop = connection.session, source.loop
    if session is None or loop is None:
        return []

    async def ask() -> list[SourceOffer]:
        found: list[SourceOffer] = []
        # a server without prompts or resources answers with an error (or not in time): none listed
        with contextlib.suppress(Exception):
            prompts = await asyncio.wait_for(session.list_prompts(), timeout)
            found += [SourceOffer(kind="prompt", name=p.name[:TEXT_CAP],
                                  description=(p.description or "")[:TEXT_CAP])
                      for p in prompts.prompts[:LIST_CAP]]
        with contextlib.suppress(Exception):
            resources = await asyncio.wait_for(session.list_resources(), timeout)
            found += [SourceOffer(kind="resource", name=str(r.uri)[:TEXT_CAP],
                                  description=(r.description or r.name or "")[:TEXT_CAP])
                      for r in resources.resources[:LIST_CAP]]
        return found

    try:
        return asyncio.run_coroutine_threadsafe(ask(), loop).result(2 * timeout + 1)
    except Exception:
        return []


def approve(source: McpSource, server: str, identity: str) -> str:
    """Approve the workspace's proposal `server` exactly as the person saw it (digest `identity`)."""
    from .identity import identity_of, summary

    setup = source.setup
    if setup is None:
        raise ValueError("no session is open")
    root = Path(setup.workspace)
    if not setup.trusted:
        raise ValueError(f"{root}: the workspace is not trusted, and its servers never start")
    try:
        proposed = proposals(root)
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    planned = {p.name: p for p in source.planned}
    if server not in proposed or planned.get(server) is None or planned[server].source != "workspace":
        raise ValueError(f"{root / '.vtcode/mcp.toml'} proposes no server {server!r}")
    problem = proposal_problem(proposed[server])
    if problem is None and not SERVER_NAME.match(server):
        problem = f"server name {server!r}: lower-case letters, digits, '-' and '_' only"
    if problem:
        raise ValueError(f"servers.{server}: {problem}")
    try:
        now = identity_of(proposed[server], root)
    except OSError as exc:
        raise ValueError(f"servers.{server}: cannot establish its identity: {exc}") from None
    if now.digest != identity:
        raise ValueError(f"{server} changed since it was shown (shown {identity}, now {now.digest}): "
                         "nothing approved; look again")
    # recorded first (a security event: durable before it returns, or it raises and nothing is approved)
    _record(source, McpApproval(server=server, action="approved", identity=now.digest,
                                what=now.describe()[:500], workspace=str(root), who=_who(), via="tui"))
    approvals.approve(str(root), server, summary(now))
    return f"approved {server} ({now.digest}); it starts with the next session"


def revoke(source: McpSource, server: str) -> str:
    setup = source.setup
    if setup is None:
        raise ValueError("no session is open")
    was = approvals.approved_digest(setup.workspace, server)
    if was is None:
        raise ValueError(f"no approval of {server!r} for {setup.workspace}")
    _record(source, McpApproval(server=server, action="revoked", identity=was, workspace=setup.workspace,
                                who=_who(), via="tui"))
    approvals.revoke(setup.workspace, server)
    source.withdraw(server)
    return f"revoked {server}: stopped now, its tools withdrawn"


def _who() -> Approver:
    return Approver(**os_identity(), source="tui")


def _record(source: McpSource, payload: McpApproval) -> None:
    """The source's emit takes a type and a dict (ToolSource.open's contract): the payload is built from
    its model first, so a wrong field fails here."""
    record = source.emit
    record("mcp.approval", payload.model_dump(mode="json", exclude_defaults=True))
