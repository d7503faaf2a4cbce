"""The one neutraliser for text that the model, the repository, a tool's output or a server can influence,
on its way to a terminal.

A terminal acts on what it is sent: ESC and the C1 controls start cursor moves, erases, title and clipboard
writes (OSC 0, OSC 52), hidden text (SGR 8) and device strings (DCS); CR and BS overwrite what is already on
the line; bidi overrides reorder it and zero-width characters hide text inside it. Every such character is
shown as a visible escape instead (`\\x1b`, `\\r`, `\\u202e`), so what a person reads is what the text holds.

The set is every character Python calls non-printable (Unicode categories C* and Z*, except the ASCII
space: controls, format characters such as bidi and zero-width ones, line and paragraph separators,
surrogates, private use, unassigned), plus every Default_Ignorable_Code_Point (printable to Python, drawn
as nothing: variation selectors, Mongolian free variation selectors, Khmer inherent vowels, Hangul
fillers, tag characters) and the braille blank.
"""

from __future__ import annotations

import re

from ._ignorable import DEFAULT_IGNORABLE

# Every Default_Ignorable_Code_Point (Unicode's own list of what a renderer may draw as nothing: variation
# selectors, Mongolian FVS, Khmer inherent vowels, Hangul fillers, tags, ...; generated, see _ignorable.py),
# plus the few printable characters that draw blank space without being ignorable (the braille blank).
_BLANK_LETTERS = "\u2800" + "".join(
    chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in DEFAULT_IGNORABLE
)
_BLANK = re.compile(f"[{_BLANK_LETTERS}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(ch: str) -> str:
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _inert(text: str) -> bool:
    return text.isprintable() and _BLANK.search(text) is None


def neutral(text: str) -> str:
    """One line of untrusted text, safe for a terminal: newlines and tabs are escaped too."""
    if _inert(text):
        return text
    return "".join(ch if ch.isprintable() and _BLANK.match(ch) is None else _escape(ch) for ch in text)


def neutral_block(text: str, *, tab: str = "    ") -> str:
    """Several lines of untrusted text (a tool's output, a diff, markdown): line breaks (LF, CRLF) are
    kept and tabs expanded; every other control or invisible character is escaped, a lone CR included."""
    lines = text.replace("\r\n", "\n").split("\n")
    return "\n".join(neutral(line.replace("\t", tab)) for line in lines)


def neutralised_count(text: str) -> int:
    """How many characters `neutral` escapes in `text` (a prompt says so, since `\\x1b` typed literally
    looks the same as an escaped ESC)."""
    if _inert(text):
        return 0
    return sum(1 for ch in text if not ch.isprintable() or _BLANK.match(ch) is not None)


def neutral_json_line(line: str) -> str:
    """A JSON document for a terminal (`--events jsonl` on stderr), still the same JSON: the characters a
    JSON encoder may leave raw (C1 controls, bidi, zero-width, separators) can only sit inside strings,
    where `\\uXXXX` means the same character."""
    if _inert(line):
        return line
    out = []
    for ch in line:
        if ch.isprintable() and _BLANK.match(ch) is None:
            out.append(ch)
            continue
        code = ord(ch)
        if code > 0xFFFF:  # JSON spells these as a surrogate pair
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)
