"""Characters outside the Basic Multilingual Plane crash tree-sitter-bash 0.25 (a wild read in the grammar,
tree-sitter/tree-sitter-bash#337: `{` followed by an emoji is enough to kill the process).

They are never shell syntax, so while the grammar reads the text each one is swapped for a private-use BMP
character that is not otherwise in the text, and every value read back is swapped back.
"""

from __future__ import annotations

import re

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_PRIVATE_USE = range(0xE000, 0xF900)


class Source(bytes):
    """UTF-8 text for the grammar, with the table that turns placeholders back into the real characters."""

    table: dict[int, str]

    def __new__(cls, data: bytes, table: dict[int, str]) -> Source:
        source = super().__new__(cls, data)
        source.table = table
        return source

    def text(self, start: int, end: int) -> str:
        value = self[start:end].decode("utf-8", "surrogateescape")
        return value.translate(self.table) if self.table else value


def hide(source: str) -> tuple[str, dict[int, str]] | None:
    """`source` with astral characters swapped for placeholders, and the table back; None if there are more
    distinct astral characters than free placeholders."""
    if source.isascii() or not _ASTRAL.search(source):
        return source, {}
    present = set(source)
    free = (chr(p) for p in _PRIVATE_USE if chr(p) not in present)
    forward: dict[str, str] = {}
    for char in dict.fromkeys(_ASTRAL.findall(source)):
        placeholder = next(free, None)
        if placeholder is None:
            return None
        forward[char] = placeholder
    return _ASTRAL.sub(lambda match: forward[match.group()], source), {ord(v): k for k, v in forward.items()}
