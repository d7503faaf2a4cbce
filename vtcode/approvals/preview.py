"""The change a file tool would make, as a unified diff: shown in the approval prompt (terminal and TUI)
before it runs and in the TUI's tool panel after. The current file is read through the jail, so a path
outside the workspace shows as unreadable instead of leaking its content into the screen."""

from __future__ import annotations

import difflib
from typing import Any

from vtcode.errors import VtcodeError
from vtcode.workspace.jail import Jail

_LIMIT = 256 * 1024  # bytes of the current file read for a diff; past that, the diff says so


def edit_diff(jail: Jail, tool: str, args: dict[str, Any]) -> str:
    path = args.get("path")
    if tool not in ("write_file", "edit_file") or not isinstance(path, str):
        return ""
    if tool == "edit_file":
        old, new = str(args.get("old", "")), str(args.get("new", ""))
        return _unified(old, new, path)
    try:
        data = jail.read_bytes(path, limit=_LIMIT + 1)
    except FileNotFoundError:
        data = b""
    except (VtcodeError, OSError) as exc:
        return f"(cannot read {path} for a diff: {exc})"
    if len(data) > _LIMIT:
        return f"({path} is over {_LIMIT} bytes: no diff shown)"
    return _unified(data.decode("utf-8", errors="replace"), str(args.get("content", "")), path)


def _unified(old: str, new: str, path: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}"
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
