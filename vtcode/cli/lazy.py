"""A click group whose subcommands are imported only when invoked, and that falls back to commands
registered by signed-off plugins. Start-up then costs only what the chosen command needs."""

from __future__ import annotations

import functools
import importlib
from typing import Any

import click


class LazyGroup(click.Group):
    def __init__(
        self, *args: Any, lazy: dict[str, str] | None = None, plugin_commands: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = lazy or {}
        self._plugin_commands = plugin_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx)) | set(self._lazy)
        if self._plugin_commands:
            names |= set(_plugin_commands())
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            module_name, _, attr = self._lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module_name), attr)
            assert isinstance(command, click.Command)
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

    runtime = open_runtime(resolve_root(Path.cwd()), attach_sinks=False)
    return {entry.name: entry.obj for entry in runtime.plugins.registries.commands}
