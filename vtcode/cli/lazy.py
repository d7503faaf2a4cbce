"""A click group whose subcommands are imported only when invoked, and that falls back to commands
registered by signed-off plugins. Start-up then costs only what the chosen command needs.

It is also where every error of the command line becomes one line on stderr: click's usage errors
(an unknown option, a missing or bad argument) as `vtcode: error: ...` with exit status 2 instead of
click's three-line usage block, a VtcodeError raised outside a command (a plugin command's lookup) with
its own status, and an unexpected exception as one line with exit status 1 (VTCODE_TRACEBACK=1 shows
the traceback, for a bug report).
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from vtcode.errors import InvariantError, VtcodeError
from vtcode.terminal.echo import say


class LazyGroup(click.Group):
    def __init__(
        self, *args: Any, lazy: dict[str, str] | None = None, plugin_commands: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = lazy or {}
        self._plugin_commands = plugin_commands

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            status = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # a group named alone: its help, as click does
            say(exc.ctx.get_help() if exc.ctx is not None else exc.format_message())
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "vtcode"
            _fail(f"{exc.format_message()} (see `{command} --help`)", exc.exit_code)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except click.Abort:  # Ctrl-C (or end of input) outside a session, which handles its own
            sys.stderr.write("vtcode: interrupted\n")
            sys.exit(130)
        except VtcodeError as exc:
            _fail(str(exc), exc.exit_code)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("VTCODE_TRACEBACK"):
                raise
            text = " ".join(str(exc).split())
            _fail(f"internal error: {type(exc).__name__}: {text} (a bug: VTCODE_TRACEBACK=1 shows where)", 1)
        sys.exit(status if isinstance(status, int) else 0)

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx)) | set(self._lazy)
        if self._plugin_commands:
            names |= set(_plugin_commands())
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            module_name, _, attr = self._lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module_name), attr)
            if not isinstance(command, click.Command):
                raise InvariantError("a lazily loaded command is not a click command")
            return command
        found = super().get_command(ctx, cmd_name)
        if found is None and self._plugin_commands:
            found = _plugin_commands().get(cmd_name)
        return found


@functools.cache
def _plugin_commands() -> dict[str, click.Command]:
    from pathlib import Path

    from vtcode.runtime import open_runtime
    from vtcode.workspace import resolve_root

    runtime = open_runtime(resolve_root(Path.cwd()), attach_sinks=False, check_names=False)
    return {entry.name: entry.obj for entry in runtime.plugins.registries.commands}


def _fail(message: str, status: int) -> NoReturn:
    sys.stderr.write(f"vtcode: error: {' '.join(message.split())}\n")
    sys.exit(status)
