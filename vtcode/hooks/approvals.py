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
_TREE_FILES_CAP = 2_000  # files beside a hook's script digested with it; more: not approvable


class HookDigestError(ValueError):
    """A hook whose surroundings cannot be digested (too many files beside its script): not approvable."""


def hook_digest(name: str, hook: HookCommand, root: Path) -> str:
    """What an approval covers: the hook's table; for every argument that names an existing path, where it
    resolves (a symlinked interpreter retargeted to another program changes the digest); the whole bytes of
    every workspace file it names; and every file under the directory of each such file, when that
    directory is not the workspace root (a module or library the script includes from beside it)."""
    root = root.resolve()
    table = hook.model_dump(mode="json", exclude={"fail_open", "network"})
    targets: dict[str, str] = {}
    files: dict[str, str] = {}
    for part in hook.command:
        candidate = Path(part) if os.path.isabs(part) else root / part
        if not os.path.lexists(candidate):
            continue
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            targets[part] = "unresolvable"
            continue
        targets[part] = str(resolved)
        if not resolved.is_relative_to(root) or not resolved.is_file():
            continue
        files[part] = _file_digest(resolved)
        if resolved.parent != root:
            files.update(_tree_digest(resolved.parent, root))
    document = json.dumps({"name": name, "hook": table, "targets": targets, "files": files}, sort_keys=True)
    return "sha256:" + hashlib.sha256(document.encode()).hexdigest()


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:  # the whole file: an edit past any prefix changes the digest
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _tree_digest(directory: Path, root: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if d not in (".git", "__pycache__"))
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            key = "tree:" + path.relative_to(root).as_posix()
            if len(found) >= _TREE_FILES_CAP:
                raise HookDigestError(
                    f"{directory}: more than {_TREE_FILES_CAP} files beside the hook's script; "
                    "move the script to a directory of its own"
                )
            if path.is_symlink():
                found[key] = "symlink:" + os.readlink(path)
            elif path.is_file():
                found[key] = _file_digest(path)
    return found


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
