"""Options every command takes. Errors become one-line messages in vtcode.reporting (re-exported here)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from vtcode.reporting import reports_errors

__all__ = ["reports_errors", "workspace_options"]

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
