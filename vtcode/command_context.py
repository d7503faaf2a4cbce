"""What one command line says about where and how to run (`CommandContext`) and the options that make it
(`workspace_options`): for vtcode's own commands (vtcode/cli) and a plugin's (through vtcode.api), so a
plugin command depends on this module, not on the CLI package. Errors become one-line messages in
vtcode.reporting."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from vtcode.reporting import reports_errors

if TYPE_CHECKING:
    from vtcode_hookspecs import Approver, Payload, ToolSourceSetup

    from vtcode.config import EffectiveConfig
    from vtcode.runtime import Runtime

    from .session_tools import SessionTools

__all__ = ["CommandAudit", "CommandContext", "reports_errors", "workspace_options"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class CommandContext:
    """What one command line says about where and how to run: the workspace (None: the current directory),
    the extra config files (--config), the -c overrides and the output mode (--json). Commands take this
    one object instead of threading the options through every signature. (Not click's Context, nor the
    ToolContext a tool gets, nor the model's context window: vtcode/context_window.)"""

    workspace: Path | None = None
    config_files: tuple[Path, ...] = ()
    overrides: tuple[str, ...] = ()
    as_json: bool = False

    def root(self) -> Path:
        """The workspace root, resolved and checked (one-line error if it is not a directory)."""
        from vtcode.workspace.root import resolve_root

        return resolve_root(self.workspace)

    def with_overrides(self, *extra: str) -> CommandContext:
        """The same invocation with more -c layers above the user's own (a command's own options)."""
        return replace(self, overrides=(*self.overrides, *extra))

    def load_config(self, *, every_table: bool = False) -> EffectiveConfig:
        """The effective configuration, with the tables signed-off plugins declare (`[mcp]`); with
        `every_table`, each of those even where no layer sets it (its defaults)."""
        from vtcode.config import load_config
        from vtcode.plugins.config_sections import plugin_sections

        return load_config(
            self.root(), config_files=self.config_files, overrides=self.overrides, sections=plugin_sections,
            every_table=every_table,
        )

    def open_runtime(self, *, attach_sinks: bool = True, check_names: bool = True) -> Runtime:
        from vtcode.runtime import open_runtime

        return open_runtime(
            self.root(),
            config_files=self.config_files,
            overrides=self.overrides,
            attach_sinks=attach_sinks,
            check_names=check_names,
        )

    def source_setup(self, name: str) -> ToolSourceSetup:
        """A plugin command's own config table, exactly as a session hands it to the plugin's tool source
        (`ToolSourceSetup`: settings, layers, workspace, trust), from this invocation's layers."""
        return self.load_config().source_setup(name, self.root())

    @contextlib.contextmanager
    def audit_trail(self) -> Iterator[CommandAudit]:
        """This command as a short session of the audit trail (`session.started`, `config.loaded`, what
        the command records, `session.ended`), in the audit dir and sinks a session of this workspace
        uses: for commands that change what later sessions may do, such as an approval."""
        from vtcode_hookspecs import Approver

        from vtcode.approvals.broker import os_identity

        runtime = self.open_runtime()
        reason = "error"
        try:
            yield CommandAudit(runtime.bus.record, Approver(**os_identity(), source="cli"))
            reason = "normal"
        finally:
            runtime.bus.close(reason)

    @contextlib.contextmanager
    def open_tools(self) -> Iterator[SessionTools]:
        """A session's tools as `vtcode exec` opens them (tool sources started, confined), asking nobody:
        a prompt is a denial. Everything it started is stopped on leaving the block."""
        from vtcode.agent.stack import open_stack
        from vtcode.approvals import NoTerminal

        from .session_tools import SessionTools

        root = self.root()
        runtime = self.open_runtime()
        try:
            stack = open_stack(runtime, root, asker=NoTerminal())
            try:
                yield SessionTools(stack)
            finally:
                stack.close()
        finally:
            runtime.bus.close("normal")


@dataclass(frozen=True)
class CommandAudit:
    """What `CommandContext.audit_trail` hands a command: `record(payload)` puts one event in the
    workspace's audit trail (a security event returns only once it is durable, and raises when it cannot
    be: the command must not act then), and `who` is the person running the command, for approvals."""

    record: Callable[[Payload], object]
    who: Approver


def workspace_options(func: F) -> F:
    """--workspace DIR, --config FILE (repeatable) and -c KEY=VALUE (repeatable), handed to the command as
    one `invocation: CommandContext` keyword, with its --json flag (`as_json`) when it has one."""

    @functools.wraps(func)
    def wrapper(
        *args: Any,
        workspace: Path | None = None,
        config_files: tuple[Path, ...] = (),
        overrides: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> Any:
        as_json = bool(kwargs.pop("as_json", False))
        invocation = CommandContext(workspace, tuple(config_files), tuple(overrides), as_json)
        return func(*args, invocation=invocation, **kwargs)

    decorated: Callable[..., Any] = wrapper
    decorated = click.option(
        "-c",
        "overrides",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override one config key (highest layer below managed locks).",
    )(decorated)
    decorated = click.option(
        "--config",
        "config_files",
        multiple=True,
        type=click.Path(path_type=Path),
        help="Extra vtcode.toml layered above the user's and the workspace's.",
    )(decorated)
    decorated = click.option(
        "--workspace",
        type=click.Path(path_type=Path),
        default=None,
        help="Workspace root (default: the current directory).",
    )(decorated)
    return cast(F, decorated)
