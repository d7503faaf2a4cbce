"""Compare file names the way the file systems vtcode runs on may compare them.

macOS (APFS/HFS+ by default), Windows shares and ext4 casefold directories treat `.GIT`, `.Git` and
`.git` as one name; HFS+ also ignores some zero-width code points and NTFS drops trailing dots and spaces.
Git learnt this the hard way (CVE-2014-9390): a check on the exact bytes `.git` lets `.GIT/hooks` through.
Folding only ever makes more names match, so on a case-sensitive file system it costs nothing.
"""

from __future__ import annotations

# Code points HFS+ ignores when comparing names (the set git's is_hfs_dotgit skips).
_IGNORABLE = dict.fromkeys(
    [*range(0x200C, 0x2010), *range(0x202A, 0x202F), *range(0x206A, 0x2070), 0xFEFF], None
)


def fold(name: str) -> str:
    """The name as a case-insensitive, HFS+- or NTFS-like file system would compare it."""
    folded = name.casefold()
    if not folded.isascii():
        folded = folded.translate(_IGNORABLE)
    if folded.endswith((".", " ")) and folded not in (".", ".."):
        folded = folded.rstrip(". ")
    return folded


def fold_parts(path: str, limit: int | None = None) -> tuple[str, ...]:
    """The components of a path without empty and `.` parts; the first `limit` (default all) folded.

    Callers that only compare prefixes pass a limit: folding is the cost of every check on a deep path.
    """
    parts = [p for p in path.split("/") if p and p != "."]
    if limit is None or limit >= len(parts):
        return tuple(map(fold, parts))
    return (*map(fold, parts[:limit]), *parts[limit:])
