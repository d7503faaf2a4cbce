"""Workspace trust: a marker file holding an HMAC of the root's absolute path under a user-held key.

A marker committed to a repository, or copied from another checkout or machine, does not verify: the
key never leaves the user's config dir and the path is bound into the MAC.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from vtcode.atomic import write_atomic
from vtcode.paths import private_dir, user_config_dir

TRUST_MARKER = ".vt-workspace-trust"
_PREFIX = "vtcode-trust/1 "
_KEY_FILE = "trust.key"


@dataclass(frozen=True)
class TrustState:
    trusted: bool
    reason: str


def _key_path() -> Path:
    return user_config_dir() / _KEY_FILE


def _load_key(create: bool) -> bytes | None:
    path = _key_path()
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        if not create:
            return None
        private_dir(path.parent)
        key = secrets.token_bytes(32)
        write_atomic(path, key, mode=0o600)
        return key
    if len(key) < 32:
        raise ValueError(
            f"{path}: trust key is shorter than 32 bytes; delete it and run `vtcode trust` again"
        )
    return key


def _mac(key: bytes, root: Path) -> str:
    return hmac.new(key, os.fsencode(str(root)), hashlib.sha256).hexdigest()


def check_trust(root: Path) -> TrustState:
    """Whether `root` (already resolved) carries a marker made by this user for this exact path."""
    marker = root / TRUST_MARKER
    try:
        # O_NOFOLLOW: a marker that is a symlink (say, to a marker elsewhere) is never honoured.
        fd = os.open(marker, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return TrustState(False, f"no {TRUST_MARKER} in {root} (run `vtcode trust` to trust it)")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return TrustState(False, f"{marker} is a symlink; trust markers must be regular files")
        return TrustState(False, f"{marker}: {exc.strerror}")
    with os.fdopen(fd, "rb") as handle:
        content = handle.read(256).decode("ascii", errors="replace").strip()
    key = _load_key(create=False)
    if key is None:
        return TrustState(False, f"{marker} was not made by this user (no trust key); run `vtcode trust`")
    if not content.startswith(_PREFIX) or not hmac.compare_digest(content[len(_PREFIX) :], _mac(key, root)):
        return TrustState(False, f"{marker} does not verify for this user and path; run `vtcode trust`")
    return TrustState(True, f"trusted by {marker}")


def write_trust(root: Path) -> Path:
    key = _load_key(create=True)
    assert key is not None
    marker = root / TRUST_MARKER
    write_atomic(marker, (_PREFIX + _mac(key, root) + "\n").encode("ascii"), mode=0o644)
    return marker


def revoke_trust(root: Path) -> bool:
    with contextlib.suppress(FileNotFoundError):
        (root / TRUST_MARKER).unlink()
        return True
    return False
