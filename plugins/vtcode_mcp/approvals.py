"""The person's approvals of workspace-proposed servers, per workspace, by identity digest.

Stored in the user's data dir (never in the workspace, which proposes): `mcp-approvals.json`,
`{workspace: {server: {"digest": ..., "identity": {...}}}}`, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from vtcode.api import private_dir, user_data_dir

FILE = "mcp-approvals.json"


def approvals_file() -> Path:
    return user_data_dir() / FILE


def load() -> dict[str, dict[str, dict[str, Any]]]:
    try:
        data = json.loads(approvals_file().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ValueError(f"{approvals_file()}: unreadable MCP approvals ({exc}); fix or delete it") from None
    if not isinstance(data, dict):
        raise ValueError(f"{approvals_file()}: not a JSON object; fix or delete it")
    return data


def _save(data: dict[str, dict[str, dict[str, Any]]]) -> None:
    folder = private_dir(approvals_file().parent)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".mcp-approvals.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, approvals_file())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def approved_digest(workspace: str, server: str) -> str | None:
    entry = load().get(workspace, {}).get(server)
    return entry.get("digest") if isinstance(entry, dict) else None


def approve(workspace: str, server: str, identity: dict[str, Any]) -> None:
    data = load()
    data.setdefault(workspace, {})[server] = {"digest": identity["digest"], "identity": identity}
    _save(data)


def revoke(workspace: str, server: str) -> bool:
    data = load()
    found = data.get(workspace, {}).pop(server, None) is not None
    if found:
        if not data[workspace]:
            del data[workspace]
        _save(data)
    return found
