"""Find the line a key sits on, so errors can say `file:line: key: problem`.

tomllib and json report positions only for syntax errors, not for keys that parse but fail validation;
a line-oriented scan finds the key the way a reader would.
"""

from __future__ import annotations

import json
import re

_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", text)
    return [a or b or c for a, b, c in parts]


def toml_key_line(text: str, key_path: tuple[str, ...]) -> int | None:
    """The 1-based line that defines `key_path` (or its nearest enclosing key or table)."""
    best: tuple[int, int] | None = None  # (matched depth, line)
    table: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE.match(line)
        if header:
            table = _split_dotted(header.group(1))
            candidate = table
        else:
            key = _KEY.match(line)
            if not key:
                continue
            candidate = table + _split_dotted(key.group(1))
        depth = _common_prefix(candidate, key_path)
        if depth == len(candidate) and (best is None or depth > best[0]):
            best = (depth, number)
    return best[1] if best else None


def json_key_line(text: str, key_path: tuple[str, ...]) -> int | None:
    """The 1-based line of the deepest key of `key_path` found, searching each key after the previous."""
    position = 0
    line: int | None = None
    for key in key_path:
        match = re.compile(re.escape(json.dumps(key)) + r"\s*:").search(text, position)
        if not match:
            break
        position = match.end()
        line = text.count("\n", 0, match.start()) + 1
    return line


def _common_prefix(a: list[str], b: tuple[str, ...]) -> int:
    depth = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        depth += 1
    return depth
