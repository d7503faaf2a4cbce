"""The name a model is given for a tool, and back: the catalog maps it, the agent offers it."""

from __future__ import annotations

import hashlib
import re

_WIRE_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def wire_name(name: str) -> str:
    """The name a model is given for a tool. Providers' APIs accept only `[A-Za-z0-9_-]{1,64}` (OpenAI,
    Anthropic): `mcp.fs.read_file` is offered as `mcp__fs__read_file`, a longer name cut with a digest.
    The runner maps it back (tools/catalog.py), so policy and audit always see the real name."""
    if _WIRE_SAFE.match(name):
        return name
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", name.replace(".", "__"))
    if len(safe) > 64:
        safe = f"{safe[:55]}_{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    return safe
