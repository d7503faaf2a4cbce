"""A watched checkpoint without a git process: the last snapshot's tree kept in memory, and the paths the
watcher names hashed, written and put in their trees here, in git's object format (decision 2104).

What is recorded is decided as the git-based path decides it: a path the last tree holds (a tracked
file: the store's index holds exactly the last tree's entries) is recorded whatever the ignore rules say;
a new one only if git's own exclude rules, asked of a long-lived `git check-ignore` of the store, do not
ignore it; regular files up to the size cap (beyond it, skipped) and symlinks (their link text, mode
120000), the executable bit as git takes it (owner's x: 100755); nothing beneath a symlinked directory;
FIFOs, sockets and devices left out; directories with nothing recorded beneath them omitted, as git omits
them. Anything this module is not sure to decide as git does raises `Unsure`, and the caller takes the
git-based path: a `.gitignore`, `.gitattributes`, `.gitmodules` or `.git` among the names or in a new
directory, any `.gitattributes` on the way to a name or `info/attributes` in the store (git would filter
content by them), a gitlink in the tree, a name git refuses (`verify_path`), a new directory of more than
`WALK_CAP` entries or `BYTES_CAP` of content, an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import select
import stat
import subprocess
import zlib
from collections.abc import Iterable
from pathlib import Path

from vtcode.errors import InvariantError
from vtcode.paths import host_program

TREE = b"40000"
LINK = b"120000"
WALK_CAP = 4096  # entries walked beneath the names of one checkpoint; more: the git path
BYTES_CAP = 64 * 1024 * 1024  # content held before it is written; more: the git path
_FOLDERS: set[bytes] = set()  # object fan-out directories known to exist
_RULE_NAMES = {b".git", b".gitignore", b".gitattributes", b".gitmodules", b".mailmap"}

Entries = dict[bytes, tuple[bytes, bytes]]  # name -> (mode, 20-byte sha)
# A path's new state: None (absent), a leaf (mode, sha), or a directory's new children.
State = tuple[bytes, bytes] | dict[bytes, "State"] | None


class Unsure(Exception):
    """This checkpoint is not one the in-process path decides exactly as git: take the git path."""


def tree_data(entries: Entries) -> bytes:
    """A tree object's body: git sorts entries by name, a directory as if its name ended with '/'."""
    keyed = sorted(entries.items(), key=lambda item: item[0] + b"/" if item[1][0] == TREE else item[0])
    return b"".join(mode + b" " + name + b"\0" + sha for name, (mode, sha) in keyed)


def object_sha(kind: bytes, data: bytes) -> bytes:
    return hashlib.sha1(b"%s %d\0" % (kind, len(data)) + data, usedforsecurity=False).digest()


def write_object(objects: bytes, kind: bytes, data: bytes) -> bytes:
    """Store a loose object (zlib of `kind len\\0data`) unless it is there; temp file and rename."""
    body = b"%s %d\0" % (kind, len(data)) + data
    sha = hashlib.sha1(body, usedforsecurity=False).digest()
    hexed = sha.hex().encode()
    folder = os.path.join(objects, hexed[:2])
    path = os.path.join(folder, hexed[2:])
    if os.path.exists(path):
        return sha
    if folder not in _FOLDERS:
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o755)
        _FOLDERS.add(folder)  # (a repack may remove it again: then the open fails, and it is made)
    temp = os.path.join(folder, b"tmp_obj_%d_%s" % (os.getpid(), os.urandom(6).hex().encode()))
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o444)
    except FileNotFoundError:
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o755)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o444)
    try:
        os.write(fd, zlib.compress(body, 1))
    finally:
        os.close(fd)
    os.replace(temp, path)
    return sha


def _refused(name: bytes) -> bool:
    """A name git's `verify_path` may refuse (or read as rules): `.git` and its NTFS spellings, rule
    files, short names (`git~1`); kept off the in-process path, where git would decide otherwise."""
    folded = name.lower().rstrip(b". ")
    return (folded in _RULE_NAMES or folded.startswith(b".git:") or b"~" in name
            or (folded.startswith(b".git") and not folded.startswith(b".github")))


class IgnoreRules:
    """git's exclude rules for new paths, from one `git check-ignore --stdin` kept running (no process
    per checkpoint). It reads each `.gitignore` when it first needs it: restart it when one changes."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self._env = {**env, "GIT_FLUSH": "1"}
        self._cwd = cwd
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""

    def close(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(OSError):
                self._proc.kill()
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                self._proc.wait(timeout=5)
            for pipe in (self._proc.stdin, self._proc.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()
        self._proc = None
        self._buffer = b""

    def ignored(self, paths: list[bytes]) -> list[bool]:
        try:
            return [hit for at in range(0, len(paths), 32) for hit in self._ask(paths[at : at + 32])]
        except (OSError, ValueError) as exc:
            self.close()
            raise Unsure(f"git check-ignore: {exc}") from exc

    def _ask(self, paths: list[bytes]) -> list[bool]:
        if self._proc is None:
            git = host_program("git")  # PATH's absolute entries: a relative one would be the workspace's
            if git is None:
                raise Unsure("git is not on PATH's absolute entries")
            self._proc = subprocess.Popen(
                [git, "check-ignore", "--stdin", "-z", "-v", "-n", "--no-index"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env=self._env, cwd=self._cwd)
        if self._proc.stdin is None or self._proc.stdout is None:
            raise InvariantError("git check-ignore started without its pipes")
        self._proc.stdin.write(b"".join(p + b"\0" for p in paths))
        self._proc.stdin.flush()
        fd = self._proc.stdout.fileno()
        want = 4 * len(paths)
        while self._buffer.count(b"\0") < want:
            ready, _, _ = select.select([fd], [], [], 10)
            chunk = os.read(fd, 65536) if ready else b""
            if not chunk:
                raise ValueError("no answer")
            self._buffer += chunk
        fields = self._buffer.split(b"\0")
        self._buffer = b"\0".join(fields[want:])
        out = []
        for k, path in enumerate(paths):
            _source, _line, pattern, named = fields[4 * k : 4 * k + 4]
            if named != path:
                raise ValueError("answers out of step")
            out.append(bool(pattern) and not pattern.startswith(b"!"))
        return out


class MemoryTree:
    """The last snapshot's trees: directory path (b"" the root) -> its entries."""

    def __init__(self, root_sha: str, dirs: dict[bytes, Entries]) -> None:
        self.root_sha = root_sha
        self.dirs = dirs

    @classmethod
    def parse(cls, root_sha: str, listing: bytes) -> MemoryTree:
        """From `git ls-tree -r -t -z` of the tree; Unsure if it holds a gitlink (a submodule)."""
        dirs: dict[bytes, Entries] = {b"": {}}
        for line in listing.split(b"\0"):
            if not line:
                continue
            head, path = line.split(b"\t", 1)
            mode, kind, sha = head.split(b" ")
            if kind == b"commit":
                raise Unsure("a gitlink in the tree")
            parent, _, name = path.rpartition(b"/")
            if kind == b"tree":
                dirs.setdefault(path, {})
                mode = TREE
            dirs.setdefault(parent, {})[name] = (mode, bytes.fromhex(sha.decode()))
        return cls(root_sha, dirs)

    def entry(self, path: bytes) -> tuple[bytes, bytes] | None:
        parent, _, name = path.rpartition(b"/")
        found = self.dirs.get(parent)
        return None if found is None else found.get(name)


class Snapshot:
    """One in-process checkpoint of `names` against `tree`: first every decision (reads only; Unsure
    leaves the tree as it was), then the objects and the new trees."""

    def __init__(self, tree: MemoryTree, root: bytes, objects: bytes, size_cap: int, rules: IgnoreRules,
                 excluded: Iterable[bytes]) -> None:
        self.tree = tree
        self.root = root
        self.objects = objects
        self.size_cap = size_cap
        self.rules = rules
        self.excluded = set(excluded)
        self.walked = 0
        self.held = 0
        self.skipped: list[bytes] = []  # over the cap, recorded-or-not decided below
        self._real: dict[bytes, bool] = {}
        self._attrs: dict[bytes, bool] = {}
        self._new: list[bytes] = []  # paths of new leaves to ask the ignore rules about
        self._over: list[tuple[bytes, bool]] = []  # (over-cap path, tracked)

    def run(self, names: Iterable[bytes]) -> tuple[str, list[str]]:
        given = {n.rstrip(b"/") for n in names}
        kept = sorted(n for n in given if not any(a in given for a in _ancestors(n)))
        states: dict[bytes, State] = {}
        for name in kept:
            if not name or name.startswith(b"/") or any(p in (b"", b".", b"..") or _refused(p)
                                                         for p in name.split(b"/")):
                raise Unsure(f"name {name!r}")
            if any(name == e or name.startswith(e + b"/") for e in self.excluded):
                continue
            for parent in (b"", *_ancestors(name)):
                if self._has_attributes(parent):
                    raise Unsure("a .gitattributes on the way")
            for a in _ancestors(name):
                old = self.tree.entry(a)
                if old is not None and old[0] != TREE:
                    raise Unsure(f"{name!r} beneath a file of the tree")
            states[name] = self._state(name, self.tree.entry(name), tracked_dir=self.tree.dirs.get(name))
        ignored = set()
        if self._new:
            ignored = {p for p, hit in zip(self._new, self.rules.ignored(self._new), strict=True) if hit}
        self.skipped = sorted(p for p, tracked in self._over if tracked or p not in ignored)
        return self._apply(states, ignored), [os.fsdecode(s) for s in self.skipped]

    # -- deciding (no writes) -------------------------------------------------------------------------

    def _abs(self, rel: bytes) -> bytes:
        return os.path.join(self.root, rel)

    def _has_attributes(self, folder: bytes) -> bool:
        if folder not in self._attrs:
            self._attrs[folder] = os.path.lexists(self._abs(os.path.join(folder, b".gitattributes")))
        return self._attrs[folder]

    def _beneath_real_dirs(self, rel: bytes) -> bool:
        for prefix in _ancestors(rel):
            if prefix not in self._real:
                try:
                    self._real[prefix] = stat.S_ISDIR(os.lstat(self._abs(prefix)).st_mode)
                except FileNotFoundError:
                    self._real[prefix] = False
                except OSError as exc:
                    raise Unsure(str(exc)) from exc
            if not self._real[prefix]:
                return False
        return True

    def _state(self, rel: bytes, old: tuple[bytes, bytes] | None, tracked_dir: Entries | None) -> State:
        if not self._beneath_real_dirs(rel):
            return None
        try:
            info = os.lstat(self._abs(rel))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise Unsure(str(exc)) from exc
        return self._state_of(rel, info, old, tracked_dir)

    def _state_of(self, rel: bytes, info: os.stat_result, old: tuple[bytes, bytes] | None,
                  tracked_dir: Entries | None) -> State:
        tracked = old is not None and old[0] != TREE
        if stat.S_ISDIR(info.st_mode):
            if rel in self.excluded:
                return None
            return self._walk(rel, tracked_dir if old is not None and old[0] == TREE else None)
        if stat.S_ISREG(info.st_mode):
            if info.st_size > self.size_cap:
                self._over.append((rel, tracked))
                if not tracked:
                    self._new.append(rel)  # skipped only if git would have listed it
                return None
            try:
                with open(self._abs(rel), "rb") as handle:
                    data = handle.read(self.size_cap + 1)
            except OSError as exc:
                raise Unsure(str(exc)) from exc
            self.held += len(data)
            if len(data) > self.size_cap or self.held > BYTES_CAP:
                raise Unsure("too much content (or a file grew past the cap while read)")
            leaf: State = (b"100755" if info.st_mode & stat.S_IXUSR else b"100644", data)
        elif stat.S_ISLNK(info.st_mode):
            try:
                leaf = (LINK, os.readlink(self._abs(rel)))
            except OSError as exc:
                raise Unsure(str(exc)) from exc
        else:
            return None  # a FIFO, socket or device is not content
        if not tracked:
            self._new.append(rel)
        return leaf  # (mode, content): hashed and written once every decision is made

    def _walk(self, rel: bytes, old: Entries | None) -> dict[bytes, State]:
        try:
            with os.scandir(self._abs(rel)) as listing:
                found = [(os.fsencode(e.name), e.stat(follow_symlinks=False)) for e in listing]
        except OSError as exc:
            raise Unsure(str(exc)) from exc
        self.walked += len(found)
        if self.walked > WALK_CAP:
            raise Unsure("too many paths beneath the names")
        if any(name == b".gitattributes" for name, _ in found):
            raise Unsure("a .gitattributes in a directory looked at")
        children: dict[bytes, State] = {}
        for name, info in found:
            if _refused(name):
                raise Unsure(f"name {name!r}")
            child = rel + b"/" + name
            before = None if old is None else old.get(name)
            sub = self.tree.dirs.get(child) if before is not None and before[0] == TREE else None
            children[name] = self._state_of(child, info, before, sub)
        return children

    # -- writing -------------------------------------------------------------------------------------

    def _apply(self, states: dict[bytes, State], ignored: set[bytes]) -> str:
        dirs = self.tree.dirs
        dirty: set[bytes] = set()
        for name, state in states.items():
            parent, _, base = name.rpartition(b"/")
            old = self.tree.entry(name)
            if old is not None and old[0] == TREE:
                for key in [k for k in dirs if k == name or k.startswith(name + b"/")]:
                    del dirs[key]
            entry = self._materialize(name, state, ignored)
            if entry is None:
                if parent in dirs:
                    dirs[parent].pop(base, None)
            else:
                for a in (*reversed(_ancestors(name)),):
                    dirs.setdefault(a, {})
                dirs[parent][base] = entry
            dirty.add(parent)
            dirty.update(_ancestors(parent) if parent else ())
            dirty.add(b"")
        for folder in sorted(dirty, key=lambda d: -1 if not d else d.count(b"/"), reverse=True):
            if folder not in dirs:
                continue
            entries = dirs[folder]
            if folder:
                up, _, base = folder.rpartition(b"/")
                if not entries:
                    del dirs[folder]
                    if up in dirs:
                        dirs[up].pop(base, None)
                    continue
                dirs[up][base] = (TREE, write_object(self.objects, b"tree", tree_data(entries)))
        root = write_object(self.objects, b"tree", tree_data(dirs[b""])).hex()
        self.tree.root_sha = root
        return root

    def _materialize(self, rel: bytes, state: State, ignored: set[bytes]) -> tuple[bytes, bytes] | None:
        if state is None:
            return None
        if isinstance(state, tuple):
            if rel in ignored:
                return None
            mode, content = state
            return mode, write_object(self.objects, b"blob", content)
        entries: Entries = {}
        for name, child in state.items():
            entry = self._materialize(rel + b"/" + name, child, ignored)
            if entry is not None:
                entries[name] = entry
        if not entries:
            return None
        self.tree.dirs[rel] = entries
        return TREE, write_object(self.objects, b"tree", tree_data(entries))


def _ancestors(path: bytes) -> list[bytes]:
    """`a/b/c` -> [`a`, `a/b`]."""
    parts = path.split(b"/")
    return [b"/".join(parts[:k]) for k in range(1, len(parts))]
