"""How a command's typed error reaches the person: one neutralised line on stderr and the error's exit code.

It lives outside `vtcode.cli` so a plugin's own command (see `vtcode.api`) reports errors the way the core's
commands do without depending on the CLI package.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from vtcode.errors import VtcodeError

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Turn a VtcodeError into `vtcode: error: ...` on stderr and its exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except VtcodeError as exc:
            from vtcode.terminal import neutral
            from vtcode.terminal.echo import say

            say(neutral(f"vtcode: error: {exc}"), err=True)  # errors quote files and servers
            raise SystemExit(exc.exit_code) from exc

    return wrapper  # type: ignore[return-value]
