"""The workspace root is fixed once, at start-up, as an absolute path with every symlink resolved."""

from __future__ import annotations

from pathlib import Path

from vtcode.errors import WorkspaceError


def resolve_root(directory: str | Path | None) -> Path:
    raw = Path(directory) if directory is not None else Path.cwd()
    try:
        root = raw.expanduser().resolve(strict=True)
    except (FileNotFoundError, RuntimeError) as exc:
        raise WorkspaceError(f"--workspace {raw}: no such directory") from exc
    if not root.is_dir():
        raise WorkspaceError(f"--workspace {raw}: not a directory")
    return root
