"""Which servers may start, and why not: the administrator's lists, the lock, trust and approvals.

Shared by the session (`McpSource.open`) and `vtcode mcp list`, so what the list says is what runs."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import approvals
from .config import McpConfig, McpServerConfig
from .identity import Identity, identity_of

PROPOSALS = Path(".vtcode") / "mcp.toml"
SERVER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class ProposalError(ValueError):
    """The workspace's `.vtcode/mcp.toml` is malformed: one line naming the file and key."""


@dataclass(frozen=True)
class Planned:
    name: str
    config: McpServerConfig
    source: str  # "managed", "user" (any user-side layer) or "workspace"
    identity: Identity | None
    start: bool
    reason: str


def proposals(workspace: Path) -> dict[str, McpServerConfig]:
    """The servers a workspace proposes. Nothing here starts without the person's approval."""
    path = workspace / PROPOSALS
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProposalError(f"{path}: not a valid TOML file ({exc})") from None
    servers = data.get("servers", {})
    unknown = set(data) - {"servers"}
    if unknown or not isinstance(servers, dict):
        raise ProposalError(f"{path}: only [servers.NAME] tables are allowed (found {sorted(unknown)})")
    found: dict[str, McpServerConfig] = {}
    for name, table in servers.items():
        try:
            found[name] = McpServerConfig.model_validate(table)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = "".join(f".{p}" for p in error["loc"])
            raise ProposalError(f"{path}: servers.{name}{where}: {error['msg']}") from None
    return found


def plan(
    mcp: McpConfig, layers: dict[str, str], workspace: Path, *, trusted: bool
) -> list[Planned]:
    def layer(name: str) -> str:
        return "managed" if layers.get(f"mcp.servers.{name}", "").startswith("managed") else "user"

    configured = {name: (layer(name), cfg) for name, cfg in mcp.servers.items()}
    proposed: dict[str, McpServerConfig] = {}
    problem = ""
    try:
        proposed = proposals(workspace)
    except ProposalError as exc:
        problem = str(exc)
    out: list[Planned] = []
    for name, (source, cfg) in sorted(configured.items()):
        out.append(_judge(name, cfg, source, mcp, workspace, trusted))
    for name, cfg in sorted(proposed.items()):
        if name in configured:
            out.append(Planned(name, cfg, "workspace", None, False,
                               f"the workspace's {name!r} is shadowed by your own server of that name"))
            continue
        out.append(_judge(name, cfg, "workspace", mcp, workspace, trusted))
    if problem:
        unusable = McpServerConfig.model_construct()  # no server: the file itself is the problem
        out.append(Planned("(workspace)", unusable, "workspace", None, False, problem))
    return out


def proposal_problem(cfg: McpServerConfig) -> str | None:
    """What no approval can make acceptable in a workspace's proposal: choosing which of the person's
    secrets or variables a server receives (a repository could send a provider key to its own URL)."""
    chosen = [k for k in ("bearer_token_env", "bearer_token_secret") if getattr(cfg, k)]
    chosen += ["env_pass"] if cfg.env_pass else []
    if chosen:
        return (f"a workspace cannot choose what of yours a server receives ({', '.join(chosen)}): "
                "configure it in your own vtcode.toml if you want that")
    return None


def _judge(
    name: str, cfg: McpServerConfig, source: str, mcp: McpConfig, workspace: Path, trusted: bool
) -> Planned:
    def no(reason: str, identity: Identity | None = None) -> Planned:
        return Planned(name, cfg, source, identity, False, reason)

    if not SERVER_NAME.match(name):
        return no(f"server name {name!r}: lower-case letters, digits, '-' and '_' only (it is part of "
                  "tool names and policy rules)")
    if not cfg.enabled:
        return no("disabled in the config")
    if (cfg.command is None) == (cfg.url is None):
        return no("give exactly one of command (stdio) or url (HTTP)")
    if source == "workspace":
        problem = proposal_problem(cfg)
        if problem:
            return no(problem)
        if not trusted:
            return no("proposed by an untrusted workspace: never started (run `vtcode trust` first)")
        if not mcp.workspace_servers:
            return no("workspace servers are switched off (mcp.workspace_servers = false)")
    if mcp.locked and source != "managed":
        return no("the administrator locked the server list (mcp.locked): only managed servers run")
    try:
        identity = identity_of(cfg, workspace)
    except OSError as exc:
        return no(f"cannot establish its identity: {exc}")
    digest = identity.digest
    if digest in mcp.deny:
        return no(f"denied by the administrator ({digest})", identity)
    if mcp.allow and digest not in mcp.allow:
        return no(f"not on the administrator's allow list ({digest})", identity)
    if source == "workspace":
        approved = approvals.approved_digest(str(workspace), name)
        if approved is None:
            return no(f"proposed by the workspace and not approved: `vtcode mcp approve {name}`", identity)
        if approved != digest:
            return no(f"changed since you approved it (was {approved}, now {digest}): approve it again",
                      identity)
    return Planned(name, cfg, source, identity, True, "ok")


def describe(planned: Planned) -> dict[str, Any]:
    return {
        "name": planned.name,
        "source": planned.source,
        "start": planned.start,
        "reason": planned.reason,
        "identity": planned.identity.digest if planned.identity else None,
        "what": planned.identity.describe() if planned.identity else None,
    }
