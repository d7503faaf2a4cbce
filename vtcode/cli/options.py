"""Options every command takes, and the one place CLI errors become one-line messages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from vtcode.errors import VtcodeError
from vtcode.terminal.echo import say

F = TypeVar("F", bound=Callable[..., Any])


def workspace_options(func: F) -> F:
    """--workspace DIR, --config FILE (repeatable) and -c KEY=VALUE (repeatable)."""
    func = click.option(
        "-c",
        "overrides",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override one config key (highest layer below managed locks).",
    )(func)
    func = click.option(
        "--config",
        "config_files",
        multiple=True,
        type=click.Path(path_type=Path),
        help="Extra vtcode.toml layered above the user's and the workspace's.",
    )(func)
    func = click.option(
        "--workspace",
        type=click.Path(path_type=Path),
        default=None,
        help="Workspace root (default: the current directory).",
    )(func)
    return func


def reports_errors(func: F) -> F:
    """Turn a VtcodeError into `vtcode: error: ...` on stderr and its exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except VtcodeError as exc:
            from vtcode.terminal import neutral

            say(neutral(f"vtcode: error: {exc}"), err=True)  # errors quote files and servers
            raise SystemExit(exc.exit_code) from exc

    return wrapper  # type: ignore[return-value]
