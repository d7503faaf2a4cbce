"""Regexes for every spelling APFS takes for the same name.

A case-insensitive APFS volume (the default) compares names after canonical decomposition (NFD) and
*full* Unicode case folding (CaseFolding.txt status C and F: the interoperable Linux driver, linux-apfs,
folds the same way), on every component of a path, while Seatbelt's `literal` and `subpath` compare
bytes. So `.GIT/Hooks`, `.git/hoo\u212as` (KELVIN SIGN, which decomposes to `K`), `.bas\u017fhrc` (LONG S
folds to `s`) and `con\ufb01g` (the `fi` ligature folds to `fi`) are the protected names themselves, and a
deny must match each spelling. `NON_ASCII` lists every code point whose decomposed, folded form is plain
ASCII (a test recomputes it from Python's Unicode database); each becomes an alternative next to the
ASCII letters it stands for. Non-ASCII alternatives are written as `(a|b)` groups, never inside `[...]`,
so a byte-wise regex engine matches them as their UTF-8 sequences.

HFS+ also ignored some zero-width code points when comparing names; APFS does not, so they are not
modelled (docs/security/sandbox.md says so).
"""

from __future__ import annotations

import functools
import re

# Decomposed and fully case-folded, each of these is the ASCII string it maps to (Unicode 14; APFS's own
# tables are Unicode 9, a subset for these entries).
NON_ASCII: dict[str, tuple[str, ...]] = {
    "k": ("\u212a",),  # KELVIN SIGN
    "s": ("\u017f",),  # LATIN SMALL LETTER LONG S
    "ss": ("\u00df", "\u1e9e"),  # sharp s, capital sharp s
    "ff": ("\ufb00",), "fi": ("\ufb01",), "fl": ("\ufb02",), "ffi": ("\ufb03",), "ffl": ("\ufb04",),
    "st": ("\ufb05", "\ufb06"),
    ";": ("\u037e",),  # GREEK QUESTION MARK
    "`": ("\u1fef",),  # GREEK VARIA
}
_MULTI = {k: v for k, v in NON_ASCII.items() if len(k) > 1}
# Fixed names (`.git`, a secret's relative path) are made of these.
_PLAIN = re.compile(r"[A-Za-z0-9._ @,=~+-]+")
# In a component of a real path: written as themselves, escaped, or (a run of anything else: `"`, `\`,
# braces, control and non-ASCII characters, whose normalised forms differ) as `[^/]+`, which only widens.
_LITERAL = frozenset("0123456789_ @,=~-!#%&':;<>`")
_ESCAPE = frozenset(".+*?()[]|^$")


def _char(c: str) -> str:
    """One ASCII character in any case, with its non-ASCII equivalents."""
    if c.isascii() and c.isalpha():
        base = f"[{c.lower()}{c.upper()}]"
    elif c in _ESCAPE:
        base = "\\" + c
    else:
        base = c
    others = NON_ASCII.get(c.lower(), ())
    return f"({base}|{'|'.join(others)})" if others else base


def _segmentations(text: str) -> list[str]:
    """Every way to write `text` as single characters and multi-character equivalents."""
    if not text:
        return [""]
    out = [_char(text[0]) + rest for rest in _segmentations(text[1:])]
    for key, chars in _MULTI.items():
        if text.lower().startswith(key):
            out += [f"({'|'.join(chars)})" + rest for rest in _segmentations(text[len(key):])]
    return out


def _writable(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c in _LITERAL or c in _ESCAPE)


@functools.lru_cache(maxsize=4096)
def component_regex(part: str) -> str:
    """One path component in every spelling APFS takes for it."""
    lowered = part.lower()
    out: list[str] = []
    i = 0
    while i < len(part):
        if not _writable(part[i]):
            while i < len(part) and not _writable(part[i]):
                i += 1
            out.append("[^/]+")
            continue
        # The span of overlapping multi-character equivalents starting here ("ffi": ff, fi, ffi).
        end, j = i + 1, i
        while j < end:
            for key in _MULTI:
                if lowered.startswith(key, j):
                    end = max(end, j + len(key))
            j += 1
        if end - i == 1:
            out.append(_char(part[i]))
        else:
            out.append("(" + "|".join(dict.fromkeys(_segmentations(part[i:end]))) + ")")
        i = end
    return "".join(out)


def name_regex(name: str) -> str:
    """A fixed name (or relative path) of plain characters, in every spelling."""
    if not name or not all(_PLAIN.fullmatch(part) for part in name.split("/")):
        raise ValueError(f"{name!r} cannot be written as a Seatbelt regex")
    return "/".join(component_regex(part) for part in name.split("/"))


def path_regex(path: str) -> str:
    """An absolute path, every component in every spelling (no anchors, no suffix)."""
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(component_regex(p) for p in parts)


# Every path on the data volume has a second spelling below this firmlink root (/Users/dev is
# /System/Volumes/Data/Users/dev): a deny names both.
DATA_VOLUME = "/System/Volumes/Data"


def anchored(path: str, rel: str = "", *, tree: bool = True) -> str:
    """`^path/rel` (rel already a regex), also below the data volume's spelling, and everything below it
    when `tree`."""
    body = path_regex(path).rstrip("/") + ("/" + rel if rel else "")
    return "^(" + path_regex(DATA_VOLUME) + ")?" + body + ("(/.*)?$" if tree else "$")
