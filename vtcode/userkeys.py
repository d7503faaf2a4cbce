"""Secret keys vtcode keeps in the user's config dir (the audit anchor's, the trust markers'): 32 random
bytes, created once, mode 0600, in a private directory the sandbox hides and the jail refuses."""

from __future__ import annotations

import secrets
from pathlib import Path

from vtcode.atomic import write_atomic
from vtcode.paths import private_dir


def user_key(path: Path, *, create: bool, what: str, fix: str) -> bytes | None:
    """The key at `path` (made when missing and `create`; None when missing otherwise). A key shorter than
    32 bytes is refused: `what` names it and `fix` says what to do."""
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
        raise ValueError(f"{path}: {what} key is shorter than 32 bytes; {fix}")
    return key
