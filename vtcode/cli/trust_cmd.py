"""`vtcode trust [--revoke]`: mark the workspace as trusted by this user, or take it back."""

from __future__ import annotations

import click

from vtcode.terminal.echo import say
from vtcode.workspace import check_trust, revoke_trust, write_trust

from .options import CommandContext, reports_errors, workspace_options


@click.command(name="trust")
@click.option("--revoke", is_flag=True, help="Remove the trust marker.")
@workspace_options
@reports_errors
def trust(revoke: bool, invocation: CommandContext) -> None:
    """Trust this workspace: its own vtcode.toml and tool-policy.json are then read (tighten-only)."""

    root = invocation.root()
    invocation.load_config()  # bad config fails, never ignored
    if revoke:
        removed = revoke_trust(root)
        say(f"{root}: trust {'revoked' if removed else 'was not granted'}")
        return
    marker = write_trust(root)
    state = check_trust(root)
    say(f"{root}: trusted ({marker.name} written; {state.reason})")
