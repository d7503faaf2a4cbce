"""The command tree (stable: tests and scripts rely on it). Each subcommand lives in its own module and
is imported only when it runs."""

from __future__ import annotations

import click

from vtcode import __version__

from .lazy import LazyGroup
from .options import CommandContext, workspace_options

_COMMANDS = {
    "exec": "vtcode.cli.exec_cmd:exec_",
    "demo": "vtcode.cli.demo_cmd:demo",
    "check": "vtcode.cli.check:check",
    "sandbox": "vtcode.cli.sandbox:sandbox",
    "audit": "vtcode.cli.audit:audit",
    "trust": "vtcode.cli.trust_cmd:trust",
    "hooks": "vtcode.cli.hooks_cmd:hooks",
    "plugins": "vtcode.cli.plugins_cmd:plugins",
    "config": "vtcode.cli.config_cmd:config",
    "models": "vtcode.cli.models_cmd:models",
    "checkpoints": "vtcode.cli.checkpoints_cmd:checkpoints",
    "undo": "vtcode.cli.checkpoints_cmd:undo",
}


@click.group(
    cls=LazyGroup,
    lazy=_COMMANDS,
    plugin_commands=True,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "-V", "--version", prog_name="vtcode", message="%(prog)s %(version)s")
@workspace_options
@click.pass_context
def cli(ctx: click.Context, invocation: CommandContext) -> None:
    """vtcode: a security-first AI coding agent for the terminal. Without a command: the TUI."""
    if ctx.invoked_subcommand is not None:
        if invocation.workspace is not None or invocation.config_files or invocation.overrides:
            # Each subcommand has its own options; silently ignoring these would run on the wrong tree.
            raise click.UsageError(
                "--workspace, --config and -c before a command apply only to the TUI (`vtcode` alone); "
                "put them after the command, e.g. `vtcode plugins list --workspace DIR`"
            )
        return
    from .options import reports_errors

    @reports_errors
    def tui() -> None:
        from vtcode.plugins.pth import refuse_unapproved, scan
        from vtcode.tui import run

        refuse_unapproved(scan())  # before the screen opens: one line, exit 2 (see vtcode/plugins/pth.py)
        status = run(invocation.root(), config_files=invocation.config_files, overrides=invocation.overrides)
        if status:
            from vtcode.signals import settle_std_streams

            settle_std_streams()
            raise SystemExit(status)

    tui()


def run() -> None:
    cli(prog_name="vtcode")
