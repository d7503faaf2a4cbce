"""Which workspace hooks this user approved: each by a digest of exactly what would run.

A workspace's hook is code a repository chose. It runs only in a trusted workspace and only once the user
approved its digest (`vtcode hooks approve`): the digest covers the hook's table (events, argv, tools,
timeout) and the bytes of every argument that names a file in the workspace, so editing the script, or
pointing the hook at another, needs a new approval. Approvals live in the user's config dir, keyed by the
workspace root, out of the repository's reach.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from vtcode.atomic import write_atomic
from vtcode.config.models import HookCommand
from vtcode.paths import private_dir, user_config_dir

_FILE = "approved-hooks.json"
_FILE_BYTES_CAP = 16 * 1024 * 1024  # a hook script bigger than this is digested by its first 16 MiB


def hook_digest(name: str, hook: HookCommand, root: Path) -> str:
    table = hook.model_dump(mode="json", exclude={"fail_open", "network"})
    files: dict[str, str] = {}
    for part in hook.command:
        candidate = Path(part) if os.path.isabs(part) else root / part
        try:
            resolved = candidate.resolve(strict=True)
            resolved.relative_to(root)
        except (OSError, ValueError):
            continue
        if resolved.is_file():
            with open(resolved, "rb") as handle:
                files[part] = hashlib.sha256(handle.read(_FILE_BYTES_CAP)).hexdigest()
    document = json.dumps({"name": name, "hook": table, "files": files}, sort_keys=True).encode()
    return "sha256:" + hashlib.sha256(document).hexdigest()


def _path() -> Path:
    return user_config_dir() / _FILE


def _load() -> dict[str, dict[str, str]]:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        problem = f"{_path()}: not valid JSON ({exc}); delete it, then approve the hooks again"
        raise ValueError(problem) from None
    return data if isinstance(data, dict) else {}


def approved(root: Path) -> dict[str, str]:
    entry = _load().get(str(root), {})
    return entry if isinstance(entry, dict) else {}


def approve(root: Path, digests: dict[str, str]) -> None:
    state = _load()
    state.setdefault(str(root), {}).update(digests)
    private_dir(_path().parent)
    write_atomic(_path(), (json.dumps(state, indent=1, sort_keys=True) + "\n").encode(), mode=0o600)


def revoke(root: Path, names: list[str]) -> list[str]:
    state = _load()
    entry = state.get(str(root), {})
    removed = [name for name in names if entry.pop(name, None) is not None]
    if removed:
        write_atomic(_path(), (json.dumps(state, indent=1, sort_keys=True) + "\n").encode(), mode=0o600)
    return removed
