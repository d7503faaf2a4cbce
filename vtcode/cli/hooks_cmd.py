"""`vtcode hooks list|approve|revoke`: the lifecycle hooks in effect, and the approvals a workspace's
hooks need (each by the digest of exactly what would run; docs/hooks.md)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from vtcode.errors import VtcodeError
from vtcode.terminal import neutral
from vtcode.terminal.echo import say, say_json

from .options import CommandContext, reports_errors, workspace_options


class UnknownHook(VtcodeError):
    """A hook name the configuration in effect does not define."""


@dataclass(frozen=True)
class Row:
    name: str
    source: str
    events: list[str]
    command: list[str]
    tools: list[str]
    timeout_s: float
    digest: str
    status: str


@click.group(name="hooks")
def hooks() -> None:
    """Lifecycle hooks: list them, approve a workspace's hooks."""


def _table(invocation: CommandContext) -> tuple[Path, list[Row]]:
    from vtcode.hooks.approvals import HookDigestError, approved, hook_digest

    root = invocation.root()
    config = invocation.load_config()
    managed = config.managed.hooks.commands if config.managed is not None else {}
    ok = approved(root)
    rows: list[Row] = []
    for name, command in {**config.config.hooks.commands, **managed}.items():
        source = "managed" if name in managed else config.sources.get(f"hooks.commands.{name}", "user")
        try:
            digest, problem = hook_digest(name, command, root), ""
        except HookDigestError as exc:
            digest, problem = "", f"cannot be approved: {exc}"
        if problem and source == "workspace":
            status = problem
        elif source == "workspace":
            status = "approved" if ok.get(name) == digest else "needs approval"
        elif source != "managed" and not config.config.hooks.allow_non_managed:
            status = "forbidden by the managed file"
        else:
            status = "active"
        rows.append(Row(name, source, list(command.events), list(command.command), list(command.tools),
                        command.timeout_s, digest, status))
    return root, rows


@hooks.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@workspace_options
@reports_errors
def list_(invocation: CommandContext) -> None:
    """The command hooks in effect here, where each comes from, and whether it runs."""
    root, rows = _table(invocation)
    if invocation.as_json:
        say_json(json.dumps({"workspace": str(root), "hooks": [asdict(row) for row in rows]}))
        return
    if not rows:
        say("no command hooks configured (see docs/hooks.md)")
    for row in rows:
        say(neutral(f"{row.name}  [{row.source}]  {','.join(row.events)}  {' '.join(row.command)}  "
                    f"{row.status}  {row.digest[:19]}…"))


@hooks.command(name="approve")
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every hook of the workspace's vtcode.toml.")
@workspace_options
@reports_errors
def approve(names: tuple[str, ...], all_: bool, invocation: CommandContext) -> None:
    """Approve the workspace's hooks NAMES as they are now (review their commands first)."""
    from vtcode.hooks import approvals

    root, rows = _table(invocation)
    mine = {row.name: row for row in rows if row.source == "workspace"}
    chosen = list(mine) if all_ else list(names)
    if not chosen:
        raise UnknownHook("name the hooks to approve, or --all")
    for name in chosen:
        if name not in mine:
            raise UnknownHook(f"{name!r} is not a hook of this workspace's vtcode.toml "
                              f"({', '.join(mine) or 'it has none, or the workspace is not trusted'})")
        if not mine[name].digest:
            raise UnknownHook(f"{name}: {mine[name].status}")
    approvals.approve(root, {name: mine[name].digest for name in chosen})
    for name in chosen:
        say(neutral(f"approved {name}: {' '.join(mine[name].command)}  ({mine[name].digest[:19]}…)"))


@hooks.command(name="revoke")
@click.argument("names", nargs=-1, required=True)
@workspace_options
@reports_errors
def revoke(names: tuple[str, ...], invocation: CommandContext) -> None:
    """Take back the approval of the workspace's hooks NAMES."""
    from vtcode.hooks import approvals

    root = invocation.root()
    invocation.load_config()  # bad config fails, never ignored
    removed = approvals.revoke(root, list(names))
    say(f"revoked: {', '.join(removed)}" if removed else "nothing to revoke")
