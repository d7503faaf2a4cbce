"""The state a shell session carries into a send (its directory, what earlier sends set), as the send's
arguments hold it: read by the policy, which judges it, and by the prompts, which show it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

UNKNOWN = "unknown"


def carried(args: Mapping[str, Any]) -> tuple[str | None, dict[str, str]] | None:
    """(the shell's directory relative to the workspace root or UNKNOWN, its variables) from a send's
    arguments; None when the send carries no session state (a tool other than shell_session)."""
    state = args.get("session")
    if state is None:
        return None
    if not isinstance(state, Mapping):
        return (UNKNOWN, {"?": "malformed session state"})
    where = state.get("cwd")
    variables = state.get("variables")
    if not isinstance(variables, Mapping):
        variables = {"?": "malformed session state"}
    return (where if isinstance(where, str) else UNKNOWN, {str(k): str(v) for k, v in variables.items()})
