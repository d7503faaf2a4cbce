"""Isolated user dirs and a trusted workspace, so a test never reads or writes the developer's own
approvals, trust key, audit logs or configuration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from vtcode.workspace import write_trust


def user_dir_environment(home: Path) -> dict[str, str]:
    """The variables that relocate every file vtcode keeps for a user under `home`. The managed and
    system files point at paths that do not exist: a test states its own policy. (An administrator's
    /etc/vtcode/managed.toml still wins, by design: see docs/enterprise.md.)"""
    return {
        "VTCODE_CONFIG_DIR": str(home / "config"),
        "VTCODE_CACHE_DIR": str(home / "cache"),
        "VTCODE_DATA_DIR": str(home / "data"),
        "VTCODE_AUDIT_DIR": str(home / "data" / "audit"),
        "VTCODE_SYSTEM_CONFIG": str(home / "etc" / "vtcode.toml"),
        "VTCODE_MANAGED_CONFIG": str(home / "etc" / "managed.toml"),
    }


def isolate_user_dirs(home: Path, setenv: Callable[[str, str], None]) -> Path:
    """Point vtcode's user dirs at `home` through `setenv` (pytest's `monkeypatch.setenv` undoes it)."""
    for name, value in user_dir_environment(home).items():
        setenv(name, value)
    return home


def trusted_workspace(root: Path) -> Path:
    """Create `root` and trust it (the marker is an HMAC keyed from the isolated user config dir), so its
    vtcode.toml is read, tighten-only, as in a real trusted workspace."""
    root.mkdir(parents=True, exist_ok=True)
    resolved = root.resolve()
    write_trust(resolved)
    return resolved


def write_user_config(text: str, home: Path) -> Path:
    """Write the user's vtcode.toml under an isolated `home` (see `user_dir_environment`)."""
    path = home / "config" / "vtcode.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_managed_config(text: str, home: Path) -> Path:
    """Write the managed (enterprise) file under an isolated `home`, to test a plugin under a policy."""
    path = home / "etc" / "managed.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
