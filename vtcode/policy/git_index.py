"""The submodules (gitlinks) of the workspace's repository, read from its index without running git.

git enters a populated submodule from the superproject: `git status` runs `git status` inside it, `git diff
--submodule=diff` a diff there, each with that repository's own configuration (core.fsmonitor,
diff.external...). A submodule git made itself keeps its repository under the superproject's
`.git/modules/`, which the agent cannot write; one whose `.git` is a directory in the work tree (or a pointer
elsewhere) is content of the workspace, and git would run what its configuration names.

Running `git ls-files` to find them would itself read the configuration; the index format is simple
(gitformat-index(5)): a header, then entries holding a mode and a path (prefix-compressed in version 4).
"""

from __future__ import annotations

import os
import struct
from functools import lru_cache

_GITLINK = 0o160000
_MODE_MASK = 0o170000
_MAX_INDEX_BYTES = 64 * 1024 * 1024


def gitlinks(git_dir: str) -> tuple[str, ...] | None:
    """Paths of the gitlink entries in `git_dir`/index; () without an index; None when it cannot be read."""
    path = os.path.join(git_dir, "index")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return ()
    except OSError:
        return None
    if info.st_size > _MAX_INDEX_BYTES:
        return None
    return _read(path, info.st_mtime_ns, info.st_size, _hash_size(git_dir))


def _hash_size(git_dir: str) -> int:
    try:
        with open(os.path.join(git_dir, "config"), encoding="utf-8", errors="replace") as handle:
            text = handle.read(65536).lower()
    except OSError:
        return 20
    return 32 if "sha256" in text else 20


@lru_cache(maxsize=8)
def _read(path: str, mtime_ns: int, size: int, hash_size: int) -> tuple[str, ...] | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    return parse_gitlinks(data, hash_size)


def parse_gitlinks(data: bytes, hash_size: int = 20) -> tuple[str, ...] | None:
    """The gitlink paths of an index file's bytes, or None when they are not an index this reads."""
    if len(data) < 12 or data[:4] != b"DIRC":
        return None
    version, count = struct.unpack(">II", data[4:12])
    if version not in (2, 3, 4):
        return None
    found: list[str] = []
    offset = 12
    previous = b""
    fixed = 40 + hash_size + 2  # stat data and mode (40 bytes), object name, flags
    for _ in range(count):
        start = offset
        if offset + fixed > len(data):
            return None
        mode = struct.unpack(">I", data[offset + 24 : offset + 28])[0]
        flags = struct.unpack(">H", data[offset + fixed - 2 : offset + fixed])[0]
        offset += fixed
        if version >= 3 and flags & 0x4000:
            offset += 2  # extended flags
        if version == 4:
            strip, offset = _varint(data, offset)
            end = data.find(b"\0", offset)
            if end < 0 or strip > len(previous):
                return None
            name = previous[: len(previous) - strip] + data[offset:end]
            offset = end + 1
        else:
            end = data.find(b"\0", offset)
            if end < 0:
                return None
            name = data[offset:end]
            offset = start + ((end - start) // 8 + 1) * 8  # 1-8 NULs pad the entry to a multiple of 8
        previous = name
        if mode & _MODE_MASK == _GITLINK:
            found.append(name.decode("utf-8", "surrogateescape"))
    return tuple(found)


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    """git's offset encoding (varint.c): 7 bits a byte, each continuation adding one."""
    if offset >= len(data):
        return 1 << 62, offset
    byte = data[offset]
    offset += 1
    value = byte & 0x7F
    while byte & 0x80:
        if offset >= len(data):
            return 1 << 62, offset
        byte = data[offset]
        offset += 1
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, offset


def foreign_submodules(root: str) -> list[str]:
    """Populated submodules of the repository at `root` whose repository git did not make under
    `.git/modules/` (a `.git` directory in the work tree, or a pointer elsewhere); ["?"] if unreadable."""
    git_dir = os.path.join(root, ".git")
    if not os.path.isdir(git_dir):
        return []
    links = gitlinks(git_dir)
    if links is None:
        return ["?"]
    modules = os.path.realpath(os.path.join(git_dir, "modules")) + os.sep
    found = []
    for link in links:
        marker = os.path.join(root, link, ".git")
        if not os.path.lexists(marker):
            continue  # not populated: git does not enter it
        if os.path.isfile(marker) and not os.path.islink(marker):
            target = _pointer(marker)
            try:
                inside = target is not None and os.path.realpath(
                    os.path.join(root, link, target)).startswith(modules)
            except ValueError:  # a NUL in the pointer
                inside = False
            if inside:
                continue  # git's own layout: the repository is under .git/modules, out of the agent's reach
        found.append(link)
    return found


def _pointer(marker: str) -> str | None:
    try:
        with open(marker, encoding="utf-8", errors="replace") as handle:
            text = handle.read(4096).strip()
    except OSError:
        return None
    return text[len("gitdir:") :].strip() if text.startswith("gitdir:") else None
