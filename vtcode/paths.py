"""Where vtcode keeps its own files. Environment overrides exist so tests and fleets can relocate them."""

from __future__ import annotations

import os
from pathlib import Path

SYSTEM_DIR = Path("/etc/vtcode")


def _user_dir(env: str, kind: str) -> Path:
    override = os.environ.get(env)
    if override:
        return Path(override).expanduser().resolve()
    import platformdirs  # deferred: only commands that touch user files pay for it

    getter = {
        "config": platformdirs.user_config_dir,
        "cache": platformdirs.user_cache_dir,
        "data": platformdirs.user_data_dir,
    }[kind]
    return Path(getter("vtcode", appauthor=False))


def user_config_dir() -> Path:
    return _user_dir("VTCODE_CONFIG_DIR", "config")


def user_cache_dir() -> Path:
    return _user_dir("VTCODE_CACHE_DIR", "cache")


def user_data_dir() -> Path:
    return _user_dir("VTCODE_DATA_DIR", "data")


def audit_dir(configured: str | None = None) -> Path:
    """Where session audit logs go: `[audit] dir`, else VTCODE_AUDIT_DIR, else <user data dir>/audit.
    The config wins over the environment so that an administrator's (lockable) choice cannot be
    redirected by a variable."""
    if configured:
        return Path(configured).expanduser()
    override = os.environ.get("VTCODE_AUDIT_DIR")
    if override:
        return Path(override).expanduser()
    return user_data_dir() / "audit"


def system_config_file() -> Path:
    return Path(os.environ.get("VTCODE_SYSTEM_CONFIG", SYSTEM_DIR / "vtcode.toml"))


def managed_config_file() -> Path:
    """The enterprise file. The environment may name one only where the system path holds none,
    so a user cannot swap out an administrator's file by setting a variable."""
    system = SYSTEM_DIR / "managed.toml"
    if system.exists():
        return system
    return Path(os.environ.get("VTCODE_MANAGED_CONFIG", system))


def policies_dir() -> Path:
    """Shipped defaults: inside the wheel as vtcode/_policies, in a source checkout as ./policies."""
    here = Path(__file__).resolve().parent
    packaged = here / "_policies"
    return packaged if packaged.is_dir() else here.parent / "policies"


def private_dir(path: Path) -> Path:
    """Create a directory only the user can read (approvals, keys, caches live in these)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path
