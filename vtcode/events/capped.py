"""Records keep capped content with its digest: a 300 MB tool-call argument must not become a 300 MB audit
line or session file. A string over the cap keeps its head, then says how long it was and its sha256, so
an auditor can still tell which content it was (and check a copy of it)."""

from __future__ import annotations

import hashlib
from typing import Any

RECORD_STRING_BYTES = 32 * 1024  # one string in an audit event
SESSION_STRING_BYTES = 1 << 20  # one message (or tool-call arguments) in a saved session


def capped(text: str, limit: int) -> str:
    """`text` if it fits in `limit` UTF-8 bytes; else its head and a marker with its size and digest."""
    if len(text) * 4 <= limit:  # cheap: 4 bytes per character at most
        return text
    data = text.encode("utf-8", errors="surrogatepass")
    if len(data) <= limit:
        return text
    digest = hashlib.sha256(data).hexdigest()
    head = data[:limit].decode("utf-8", errors="ignore")
    return f"{head}\n[... capped: {len(data)} bytes in all, sha256:{digest}]"


def capped_strings(value: Any, limit: int = RECORD_STRING_BYTES) -> Any:
    """`value` (JSON-ready) with every string over `limit` capped; untouched values are returned as is."""
    if isinstance(value, str):
        return capped(value, limit)
    if isinstance(value, dict):
        return {key: capped_strings(item, limit) for key, item in value.items()}
    if isinstance(value, list):
        return [capped_strings(item, limit) for item in value]
    return value
