"""The checkpoint store: a git object store of its own, under the user's data dir, keyed by workspace.

Why git: its index keeps each file's stat data, so a snapshot of an unchanged tree costs one `status`
scan (lstat of every file in C; with the untracked cache, a stat instead of a readdir for each directory
that did not change) plus a `write-tree` that reuses the cached trees; only changed files are read and
hashed. After vtcode's own file tools only the paths they wrote are looked at (`write_tree(only=...)`).
The store never shares anything with the user's repository:
GIT_DIR, GIT_INDEX_FILE and the work tree are passed explicitly, the user's system and global git
configuration is not read (no filter, hook or fsmonitor of anyone's choosing runs), and git itself never
descends into a `.git` directory, so the user's index, refs, stash and HEAD are never read or written.

It lives under the user's data dir, which is vtcode's own state: the jail refuses the agent's writes to it
and every sandbox backend gets it read-only (paths.own_paths), wherever the workspace is.

Size cap: a regular file larger than `size_cap` (10 MiB by default) is left out of the snapshot, and the
checkpoint lists it as skipped; a restore leaves such a file as it is and says so.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from vtcode.errors import InvariantError, VtcodeError
from vtcode.paths import host_program, host_search_path, private_dir, user_data_dir
from vtcode.workspace.trust import TRUST_MARKER

from .memtree import IgnoreRules, MemoryTree, Snapshot, Unsure
from .records import Checkpoint, CheckpointRecord, fold
from .watch import TreeWatcher

SIZE_CAP = 10 * 1024 * 1024
_STORE_CONFIG = (
    ("core.bare", "false"),
    ("core.untrackedCache", "true"),
    ("core.autocrlf", "false"),
    ("core.symlinks", "true"),
    ("core.fileMode", "true"),
    ("core.quotePath", "false"),
    ("core.fsmonitor", "false"),
    ("core.hooksPath", "/dev/null"),
    ("index.version", "4"),
    ("core.splitIndex", "true"),  # an index write is the few changed entries, not all of them
    # A file's or a directory's stat data is compared with its ctime too, which no one can set back: a
    # command that puts an mtime back cannot hide a change (or a new file) from the next scan.
    ("core.trustctime", "true"),
    ("core.checkStat", "default"),
    ("gc.auto", "0"),
    ("gc.pruneExpire", "never"),
)
# The store's HEAD is moved to the latest tree once the index differs from it in this many paths.
_HEAD_DRIFT = 256
# Names from the watcher are git's pathspecs, on its command line (ARG_MAX is 2 MiB on Linux).
_MAX_PATHSPEC_BYTES = 512 * 1024
_STORE_IDENT = {"GIT_AUTHOR_NAME": "vtcode", "GIT_AUTHOR_EMAIL": "vtcode@localhost",
                "GIT_COMMITTER_NAME": "vtcode", "GIT_COMMITTER_EMAIL": "vtcode@localhost"}


class CheckpointError(VtcodeError):
    """The store could not be read or written (git missing, a corrupt store): the action is refused."""


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    sha: str


@dataclass(frozen=True)
class Change:
    """One path that differs between two trees: its entry in each ("" when absent)."""

    path: str
    old: TreeEntry | None
    new: TreeEntry | None


def workspace_key(root: Path) -> str:
    """The store's name for a workspace: its resolved path and the directory's identity (device, inode),
    so a different directory later created at the same path starts a store of its own."""
    real = os.path.realpath(root)
    info = os.stat(real)
    return hashlib.sha256(f"{real}\0{info.st_dev}\0{info.st_ino}".encode()).hexdigest()[:24]


def checkpoints_home() -> Path:
    return user_data_dir() / "checkpoints"


def _git() -> str:
    """git from PATH's absolute entries: run in the workspace, a relative entry would be the repository's."""
    found = host_program("git")
    if found is None:
        raise FileNotFoundError("git")
    return found


class CheckpointStore:
    def __init__(self, root: Path, *, home: Path | None = None, size_cap: int = SIZE_CAP,
                 watch: bool = False, max_watches: int | None = None) -> None:
        """`watch` (a session's store; a one-shot command gains nothing from it): on Linux, an inotify
        watcher names what changed between checkpoints, so a checkpoint looks at those paths only
        (watch.py); elsewhere, or when the watcher cannot tell, every checkpoint scans the tree.
        `max_watches` caps this store's inotify watches (None: the kernel's per-user limit); beyond it,
        whole scans."""
        self.root = Path(os.path.realpath(root))
        self.dir = (home or checkpoints_home()) / workspace_key(self.root)
        self.git_dir = self.dir / "git"
        self.log = self.dir / "checkpoints.jsonl"
        self.size_cap = size_cap
        self._env: dict[str, str] | None = None
        self._watch = watch and sys.platform.startswith("linux")
        self._max_watches = max_watches
        self.watcher: TreeWatcher | None = None
        self._since_head = 0  # index entries changed since the store's HEAD was last moved
        self._last: tuple[tuple[int, int, int], str, list[str]] | None = None  # index stat, tree, skipped
        self._skipped: set[str] = set()  # files over the size cap in the latest whole tree
        self.last_scan = ""  # "whole", "watched" or "none": what the latest snapshot looked at
        # The in-process path (memtree.py, decision 2104): the last snapshot's trees, kept here; the
        # store's index does not hold them until the next git-based snapshot (`_index_behind`).
        self.in_process = True
        self.last_writer = ""  # "python" or "git": who made the latest tree
        self.unsure: list[str] = []  # why the latest snapshots took the git path (diagnostics, tests)
        self._memory: MemoryTree | None = None
        self._latest = ""  # the latest tree this store wrote (its in-memory trees are of it)
        self._rules: IgnoreRules | None = None
        self._token = f"{os.getpid()}-{id(self)}-{os.urandom(4).hex()}"

    def close(self) -> None:
        """Release the watcher (its inotify instance and thread); later snapshots scan the whole tree."""
        if self.watcher is not None:
            self.watcher.close()
        if self._rules is not None:
            self._rules.close()
        self._watch = False
        self.watcher = None
        self._rules = None

    # -- the git process --------------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        if self._env is None:
            env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
            env["PATH"] = host_search_path()  # what git itself runs is never the workspace's
            env.update(
                GIT_DIR=str(self.git_dir),
                GIT_WORK_TREE=str(self.root),
                GIT_INDEX_FILE=str(self.git_dir / "index"),
                GIT_CONFIG_NOSYSTEM="1",
                GIT_CONFIG_GLOBAL=os.devnull,
                GIT_TERMINAL_PROMPT="0",
                LC_ALL="C",
            )
            self._env = env
        return self._env

    def git(self, *args: str, data: bytes | None = None, bare: bool = False) -> bytes:
        env = self._environment()
        if bare:  # `git init --bare` refuses a work tree
            env = {k: v for k, v in env.items() if k not in ("GIT_WORK_TREE", "GIT_INDEX_FILE")}
        try:
            done = subprocess.run(
                [_git(), *args], input=data, capture_output=True, env=env, cwd=self.root, check=False,
            )
        except FileNotFoundError as exc:
            raise CheckpointError("checkpoints need git on PATH, and it is not there") from exc
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace").strip().splitlines()
            why = detail[-1] if detail else f"exit {done.returncode}"
            raise CheckpointError(f"checkpoint store {self.dir}: git {args[0]} failed: {why}")
        return done.stdout

    def ensure(self) -> None:
        """Create the store if it is not there yet (under its lock: two sessions may start at once)."""
        with self.locked():
            pass

    def _create(self) -> None:
        if (self.git_dir / "HEAD").exists():
            return
        self.git("init", "-q", "--bare", str(self.git_dir), bare=True)
        for key, value in _STORE_CONFIG:
            self.git("config", key, value)
        excluded = [f"/{TRUST_MARKER}"]
        # A store inside the workspace (the data dir there) is not snapshotted.
        with contextlib.suppress(ValueError):
            excluded.append("/" + self.dir.resolve().relative_to(self.root).as_posix() + "/")
        info = self.git_dir / "info"
        info.mkdir(exist_ok=True)
        (info / "exclude").write_text("\n".join(excluded) + "\n", encoding="utf-8")
        (self.dir / "workspace").write_text(str(self.root) + "\n", encoding="utf-8")

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One writer at a time: two vtcode processes (or a session's threads) share the store."""
        private_dir(self.dir)
        fd = os.open(self.dir / "lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # per open file: two threads of one process exclude each other
            self._create()
            yield
        finally:
            os.close(fd)

    # -- snapshots ------------------------------------------------------------------------------------

    def write_tree(self, only: Sequence[str] | None = None) -> tuple[str, list[str]]:
        """The workspace as a tree in the store, and the files left out for the size cap. Call locked.

        `only`: the index brought up to date for these workspace-relative paths alone, every other entry
        kept as the last snapshot left it (no scan of the tree). For an action known to have written
        nothing else; `skipped` then names only those of these paths over the size cap."""
        # Under our lock no other vtcode process is using this index: a lock file left by a git that was
        # killed is stale, and would otherwise refuse every later checkpoint (and so every action).
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.git_dir / "index.lock")
        owner = self._index_owner()
        if only is not None:
            made = self._in_memory([os.fsencode(p) for p in only])
            if made is not None:
                self._skipped = {s for s in self._skipped if not any(s == n or s.startswith(n + "/")
                                                                     for n in only)} | set(made[1])
                self._last = (self._index_id(), made[0], sorted(self._skipped))
                return made
            if owner != "other":
                self._sync_index()
                return self._git_written(self._record(self._listed(only), self._since_head))
        names = None if owner == "other" else self._watched_names()
        try:
            if names is None:
                self.last_scan = "whole"
                self._sync_index()
                tree, found = self._git_written(self._record(*self._changed_paths()))
                self._skipped = set(found)
            elif not names and self._last is not None and self._last[0] == self._index_id():
                self.last_scan = "none"  # nothing changed since the last tree, and the index is as it left it
                return self._last[1], list(self._last[2])
            else:
                self.last_scan = "watched"
                if self.watcher is None:
                    raise InvariantError("a watched snapshot without a watcher")
                made = self._in_memory(names)
                looked = sorted(os.fsdecode(n) for n in names)
                if made is not None:
                    tree, found = made
                else:
                    self._sync_index()
                    forced = sorted(os.fsdecode(n) for n in self.watcher.forced)
                    if forced:
                        self._rehash(forced)
                    tree, found = self._git_written(self._record(self._listed(looked), self._since_head))
                # The skipped files are those the whole tree holds over the cap: the ones looked at now,
                # and the earlier ones beneath no name looked at.
                self._skipped = {s for s in self._skipped if not any(s == n or s.startswith(n + "/")
                                                                     for n in looked)} | set(found)
        except BaseException:
            if self.watcher is not None:
                self.watcher.invalidate()
            raise
        skipped = sorted(self._skipped)
        self._last = (self._index_id(), tree, skipped)
        return tree, skipped

    # -- the in-process path (memtree.py) -----------------------------------------------------------

    def _in_memory(self, names: set[bytes] | list[bytes]) -> tuple[str, list[str]] | None:
        """The new tree made here, without git, or None: take the git path (and why is in `unsure`)."""
        if not (self._watch and self.in_process) or not self._latest:
            return None
        try:
            self._load_memory()
            if self._memory is None:
                raise InvariantError("the in-memory tree was not loaded")
            if self._rules is None:
                self._rules = IgnoreRules(self._environment(), self.root)
            excluded = []
            with contextlib.suppress(ValueError, OSError):
                excluded.append(os.fsencode(self.dir.resolve().relative_to(self.root).as_posix()))
            snapshot = Snapshot(self._memory, os.fsencode(self.root), os.fsencode(self.git_dir / "objects"),
                                self.size_cap, self._rules, excluded)
            tree, found = snapshot.run(names)
        except (Unsure, OSError, CheckpointError) as exc:
            self._memory = None  # (it may be half updated)
            self.unsure.append(str(exc))
            del self.unsure[:-20]
            return None
        except BaseException:
            self._memory = None
            raise
        self.last_writer = "python"
        self._latest = tree
        self._mark_index_behind(tree)
        return tree, found

    def _load_memory(self) -> None:
        """The trees of the store's latest tree, read once (`ls-tree`: O(files), about 20 ms of parsing
        at 10,000 files and 200 ms at 100,000); Unsure if the in-process path cannot be used."""
        if self._memory is None or self._memory.root_sha != self._latest:
            self._memory = None
            if (self.git_dir / "info" / "attributes").exists():
                raise Unsure("info/attributes in the store")
            listing = self.git("ls-tree", "-r", "-t", "-z", "--full-tree", self._latest)
            self._memory = MemoryTree.parse(self._latest, listing)

    def _git_written(self, made: tuple[str, list[str]]) -> tuple[str, list[str]]:
        """After a git-based snapshot: the index holds the tree; the in-memory trees are of the old one,
        and the ignore rules may have changed (that may be why git ran)."""
        self.last_writer = "git"
        self._latest = made[0]
        self._memory = None
        if self._rules is not None:
            self._rules.close()
            self._rules = None
        return made

    def _index_owner(self) -> str | None:
        """Whose in-process snapshot the store's index lacks: None (it lacks none), "mine", or "other"
        (another process's, whose watcher names are not ours: only a whole scan brings the index up to
        date)."""
        try:
            owner = (self.dir / "index-behind").read_text(encoding="ascii").split()[0]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, IndexError):
            return "other"
        return "mine" if owner == self._token else "other"

    def _sync_index(self) -> None:
        """Before a git-based snapshot: if the last snapshot was made in process, the index is made its
        tree (`read-tree --reset`, a one-way merge: it keeps the stat data of every entry whose content
        is the same), so that what git counts as tracked is what the last snapshot recorded (a file
        recorded before it was ignored stays recorded), as on the in-process path."""
        try:
            tree = (self.dir / "index-behind").read_text(encoding="ascii").split()[1]
        except FileNotFoundError:
            return
        except (OSError, ValueError, IndexError):
            tree = ""
        if tree:
            self.git("read-tree", "--reset", tree)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.dir / "index-behind")

    def _mark_index_behind(self, tree: str) -> None:
        """Said on disk (temp file and rename) with each in-process snapshot, for the next git-based one
        of this process or another."""
        marker = self.dir / "index-behind"
        temp = marker.with_name(f"index-behind.{os.getpid()}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, f"{self._token} {tree}\n".encode())
        finally:
            os.close(fd)
        os.replace(temp, marker)

    def _watched_names(self) -> set[bytes] | None:
        """What may have changed since the last snapshot, from the watcher; None: scan the whole tree."""
        if not self._watch:
            return None
        if self.watcher is None:
            exclude = []
            with contextlib.suppress(ValueError, OSError):
                exclude.append(os.fsencode(self.dir.resolve().relative_to(self.root).as_posix()))
            self.watcher = TreeWatcher(self.root, exclude=exclude, max_watches=self._max_watches)
        names = self.watcher.collect()
        if names is None or sum(len(n) + 1 for n in names) > _MAX_PATHSPEC_BYTES:
            return None  # (so many long names would not fit on git's command line)
        for name in list(names):
            base = name.rsplit(b"/", 1)[-1]
            if base in (b".gitignore", b".git"):
                # What is ignored (or a nested repository) changed for the whole directory.
                parent = name.rsplit(b"/", 1)[0] if b"/" in name else b""
                if not parent:
                    return None
                names.add(parent)
        return names

    def _rehash(self, paths: Sequence[str]) -> None:
        """Hash these files into the index whatever their stat data says (a file written through a shared
        mapping can keep its mtime): those tracked, or untracked and not ignored, that are regular files
        under the size cap and beneath no symlinked directory."""
        listed = self.git("--literal-pathspecs", "ls-files", "-z", "-c", "-o", "--exclude-standard", "--",
                          *paths).split(b"\0")
        chosen: list[tuple[bytes, int]] = []
        real_dirs: dict[bytes, bool] = {}
        for raw in dict.fromkeys(listed):
            if not raw or raw.endswith(b"/") or b"\n" in raw or not self._beneath_real_dirs(raw, real_dirs):
                continue
            try:
                info = os.lstat(os.path.join(os.fsencode(self.root), raw))
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_size <= self.size_cap:
                chosen.append((raw, info.st_mode))
        if not chosen:
            return
        shas = self.git("hash-object", "-w", "--stdin-paths",
                        data=b"".join(raw + b"\n" for raw, _ in chosen)).split()
        lines = [b"%s %s\t%s" % (b"100755" if mode & stat.S_IXUSR else b"100644", sha, raw)
                 for (raw, mode), sha in zip(chosen, shas, strict=True)]
        self.git("update-index", "-z", "--index-info", data=b"\0".join(lines) + b"\0")

    def _index_id(self) -> tuple[int, int, int]:
        try:
            info = os.stat(self.git_dir / "index")
        except OSError:
            return (0, 0, 0)
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    def _record(self, listed: list[bytes], drift: int) -> tuple[str, list[str]]:
        update: list[bytes] = []
        drop: list[bytes] = []
        skipped: list[str] = []
        real_dirs: dict[bytes, bool] = {}
        for raw in dict.fromkeys(listed):
            if not raw or raw.endswith(b"/"):  # "" or a nested repository (not snapshotted)
                continue
            if not self._beneath_real_dirs(raw, real_dirs):
                drop.append(raw)  # a directory on the way became a symlink: the path is gone from here
                continue
            try:
                info = os.lstat(os.path.join(os.fsencode(self.root), raw))
            except FileNotFoundError:
                update.append(raw)  # --remove drops it
                continue
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_size > self.size_cap:
                skipped.append(os.fsdecode(raw))
                drop.append(raw)
            elif stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode):
                update.append(raw)
            else:
                drop.append(raw)  # a FIFO, socket or device is not content
        if update:
            self.git("update-index", "--add", "--remove", "--replace", "-z", "--stdin",
                     data=b"\0".join(update) + b"\0")
        if drop:
            self.git("update-index", "--force-remove", "-z", "--stdin", data=b"\0".join(drop) + b"\0")
        tree = self.git("write-tree").decode().strip()
        self._since_head = drift + len(update) + len(drop)
        if self._since_head > _HEAD_DRIFT:
            self._move_head(tree)
            self._since_head = 0
        return tree, sorted(skipped)

    def _changed_paths(self) -> tuple[list[bytes], int]:
        """Every path that may differ from the store's index, and how far the index has drifted from the
        store's HEAD. One `git status`: unlike `ls-files -o` it uses the untracked cache, so a directory
        whose mtime did not change is not read again (a stat instead of an open, a readdir and a
        .gitignore read), and it refreshes the index's stat data with git's preload threads. An untracked
        directory is listed whole (`dir/`) and then expanded by an `ls-files -o` of it alone."""
        status = self.git("status", "--porcelain=v1", "-z", "--no-renames", "--ignore-submodules=all",
                          "--untracked-files=normal")
        listed: list[bytes] = []
        fresh_dirs: list[bytes] = []
        drift = 0
        for entry in status.split(b"\0"):
            if len(entry) < 4:
                continue
            staged, changed, path = entry[0:1], entry[1:2], entry[3:]
            if staged == b"?":
                (fresh_dirs if path.endswith(b"/") else listed).append(path)
                continue
            if staged != b" ":
                drift += 1
            if changed != b" ":
                listed.append(path)
        if fresh_dirs:
            # Literal pathspecs: a directory named `:(glob)x/` is that directory, not magic.
            listed += self.git("--literal-pathspecs", "ls-files", "-z", "-o", "--exclude-standard", "--",
                               *(os.fsdecode(d) for d in fresh_dirs)).split(b"\0")
        return listed, drift

    def _listed(self, paths: Sequence[str]) -> list[bytes]:
        """Every index entry at or beneath these paths, and every untracked file there that is not ignored
        (as the whole scan decides); `update-index` then looks at each and hashes only those whose stat
        data changed. Not `ls-files -m -d`: git 2.39 lstats every index entry for it, pathspec or not
        (10,000 calls at 10,000 files), while `-c` reads the index only."""
        if not paths:
            return []
        return self.git("--literal-pathspecs", "ls-files", "-z", "-c", "-o", "--exclude-standard", "--",
                        *paths).split(b"\0")

    def _move_head(self, tree: str) -> None:
        """Point the store's HEAD at a commit of `tree`. `git status` compares the index with HEAD too;
        kept close, that comparison costs nothing (cached trees match) and its output stays short. Only
        the store's own HEAD: the user's repository is never read."""
        env = {**self._environment(), **_STORE_IDENT}
        done = subprocess.run([_git(), "commit-tree", tree, "-m", "vtcode checkpoint store"], env=env,
                              cwd=self.root, capture_output=True, check=False)
        if done.returncode == 0:  # only a speed-up: a failure leaves status slower, never wrong
            self.git("update-ref", "--no-deref", "HEAD", done.stdout.decode().strip())

    def _beneath_real_dirs(self, raw: bytes, known: dict[bytes, bool]) -> bool:
        """Whether every directory on the way to `raw` is a directory, not a symlink (git refuses to go
        beyond a symlink, and so does a snapshot)."""
        parts = raw.split(b"/")[:-1]
        base = os.fsencode(self.root)
        for depth in range(1, len(parts) + 1):
            prefix = b"/".join(parts[:depth])
            if prefix not in known:
                try:
                    known[prefix] = stat.S_ISDIR(os.lstat(os.path.join(base, prefix)).st_mode)
                except OSError:
                    known[prefix] = False
            if not known[prefix]:
                return False
        return True

    def warm(self) -> None:
        """Bring the store's index up to date without recording a checkpoint: the first snapshot of a
        workspace hashes every file (seconds for tens of thousands), so a session starts this in the
        background and its first action's checkpoint then costs what any later one does."""
        with self.locked():
            self.write_tree()
            if self.watcher is not None and not self.watcher.settled():
                self.write_tree()  # the watches again, and a scan that now reads no file
            if self._watch and self.in_process and self._latest:
                with contextlib.suppress(Unsure, CheckpointError):
                    self._load_memory()  # here, in the background, not at the first action
        self.pack()

    def pack(self, loose: int = 1000) -> None:
        """Pack the store's loose objects once there are `loose` of them. `write-tree` checks that each
        cached subtree's object exists: a `stat` per directory of the workspace while they are loose
        files, a lookup in a mapped index once packed (at 10,000 files, 14 ms against 5 ms a call).
        Not under the lock: a repack is safe beside git processes that add objects."""
        counted = self.git("count-objects").decode().split()
        if counted and counted[0].isdigit() and int(counted[0]) >= loose:
            self.git("repack", "-d", "-q")

    def take(self, *, tool: str = "", call_id: str = "", summary: str = "", session: str | None = None
             ) -> Checkpoint:
        """Snapshot the workspace before an action; the record is on disk before this returns."""
        with self.locked():
            return self.take_locked(tool=tool, call_id=call_id, summary=summary, session=session)

    def take_locked(self, *, tool: str = "", call_id: str = "", summary: str = "", session: str | None = None
                    ) -> Checkpoint:
        tree, skipped = self.write_tree()
        record = CheckpointRecord(
            kind="taken", id=self._next_id(), tree=tree, ts=_now(), session=session, tool=tool,
            call_id=call_id, summary=summary[:200], skipped=skipped,
        )
        self._append(record)
        return Checkpoint(**record.model_dump(exclude={"kind"}))

    def finish(self, checkpoint: Checkpoint, written: Sequence[str] | None = None) -> str:
        """Snapshot the workspace after the action: what it changed is then known exactly. `written`: the
        action is known to have written these paths and nothing else (vtcode's own file tools, which
        write only through the jail), so only they are looked at; None scans the whole tree."""
        with self.locked():
            return self.finish_locked(checkpoint, written)

    def finish_locked(self, checkpoint: Checkpoint, written: Sequence[str] | None = None) -> str:
        tree, _ = self.write_tree(written)
        self._append(CheckpointRecord(kind="after", id=checkpoint.id, tree=tree, ts=_now(),
                                      session=checkpoint.session, tool=checkpoint.tool))
        return tree

    def _next_id(self) -> int:
        """One more than the highest id taken, read from the log's tail so the cost does not grow with the
        number of checkpoints (ids are given out in order, under the lock; the whole log if the tail holds
        no `taken` line)."""
        try:
            with open(self.log, "rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                handle.seek(max(0, size - 8192))
                tail = handle.read()
        except FileNotFoundError:
            return 1
        ids = []
        for line in tail.splitlines():
            try:
                record = CheckpointRecord.model_validate_json(line)
            except ValueError:
                continue  # a line cut short by a crash, or the partial first line of the tail
            if record.kind == "taken":  # an `after` line of another process may follow a later `taken`
                ids.append(record.id)
        if ids:
            return max(ids) + 1
        return max((r.id for r in self.records()), default=0) + 1

    def _append(self, record: CheckpointRecord) -> None:
        line = record.model_dump_json() + "\n"
        fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        # A ref keeps the tree reachable, should anyone ever run git gc on the store.
        ref = self.git_dir / "refs" / "checkpoints" / f"{record.id}-{record.kind}"
        ref.parent.mkdir(parents=True, exist_ok=True)
        ref.write_text(record.tree + "\n", encoding="ascii")

    # -- reading --------------------------------------------------------------------------------------

    def records(self) -> list[CheckpointRecord]:
        try:
            text = self.log.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        out = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append(CheckpointRecord.model_validate(json.loads(line)))
            except ValueError as exc:
                if number == len(text.splitlines()):
                    continue  # a last line cut short by a crash: the others stand
                raise CheckpointError(f"{self.log}:{number}: not a checkpoint record ({exc})") from exc
        return out

    def checkpoints(self) -> list[Checkpoint]:
        return fold(self.records())

    def get(self, checkpoint_id: int) -> Checkpoint:
        for checkpoint in self.checkpoints():
            if checkpoint.id == checkpoint_id:
                return checkpoint
        raise CheckpointError(
            f"no checkpoint {checkpoint_id} in this workspace; see `vtcode checkpoints list`"
        )

    def diff(self, old: str, new: str) -> list[Change]:
        """Every path whose entry differs between two trees (no rename detection: paths, not guesses)."""
        if old == new:
            return []
        raw = self.git("diff-tree", "-r", "-z", "--no-renames", "--raw", "--no-commit-id", old, new)
        fields = raw.split(b"\0")
        changes = []
        for head, path in zip(fields[0::2], fields[1::2], strict=False):
            if not head.startswith(b":"):
                continue
            old_mode, new_mode, old_sha, new_sha, _status = head[1:].decode().split(" ")
            changes.append(Change(
                os.fsdecode(path),
                None if set(old_sha) == {"0"} else TreeEntry(old_mode, old_sha),
                None if set(new_sha) == {"0"} else TreeEntry(new_mode, new_sha),
            ))
        return changes

    def patch(self, old: str, new: str, paths: Sequence[str] = ()) -> str:
        """A unified diff between two trees, for people."""
        args = ["diff", "--no-color", "--no-renames", "--no-ext-diff", "--no-textconv", old, new]
        return self.git(*args, "--", *paths).decode(errors="replace")

    def blobs(self, shas: Sequence[str]) -> dict[str, bytes]:
        if not shas:
            return {}
        raw = self.git("cat-file", "--batch", data="".join(s + "\n" for s in shas).encode())
        out: dict[str, bytes] = {}
        at = 0
        for sha in shas:
            end = raw.index(b"\n", at)
            header = raw[at:end].split(b" ")
            size = int(header[2])
            out[sha] = raw[end + 1 : end + 1 + size]
            at = end + 1 + size + 1
        return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
