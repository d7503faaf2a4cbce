"""The bash runner: `run_command` (pipes, or a PTY on request) and `shell_session` (a persistent PTY shell).

Both run only inside the sandbox the core hands them (`ctx.sandbox`): no sandbox, no process. The core
judges every command string with the command policy before either tool sees it.
"""

from __future__ import annotations

from collections.abc import Callable

from vtcode_hookspecs import Tool, hookimpl


@hookimpl
def register_tools(register: Callable[[Tool], None]) -> None:
    from .run_command import RunCommandTool
    from .shell_session import ShellSessionTool

    register(RunCommandTool())
    register(ShellSessionTool())
