"""Commands of the stable CLI whose implementation lands with a later issue. They exist now so the tree
is complete and scripts get a clear answer (exit 3) instead of 'no such command'."""

from __future__ import annotations

from typing import Any

import click

from vtcode.errors import NotYetAvailable

from .options import reports_errors, workspace_options


def _pending(name: str, help_text: str) -> click.Command:
    @click.command(
        name=name,
        help=help_text + " (not yet available)",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    @workspace_options
    @reports_errors
    def command(**_: Any) -> None:
        raise NotYetAvailable(f"`vtcode {name}` is not yet available in this version")

    return command


def _pending_group(name: str, help_text: str, subcommands: dict[str, str]) -> click.Group:
    group = click.Group(name=name, help=help_text)
    for sub, sub_help in subcommands.items():
        group.add_command(_pending(sub, sub_help), sub)
    return group


audit = _pending_group(
    "audit",
    "Read and verify audit logs.",
    {
        "verify": "Verify hash-chained audit logs.",
        "tail": "Show the newest events.",
        "replay": "Re-decide recorded actions under another policy.",
    },
)
