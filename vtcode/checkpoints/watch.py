"""What changed in the workspace since the last checkpoint, from inotify, so a checkpoint costs O(changes).

The watcher answers one question at checkpoint time: which workspace-relative names may differ from what
the store's index holds? Either a set of names (files or directories; a directory means everything
beneath it), or `None`: "I cannot tell, scan the whole tree". It errs only towards `None` and towards
naming too much, never towards too little (docs/decisions/2102-checkpoint-watcher.md):

- a watch on every directory (names created, deleted, moved, opened, closed) and on every regular file's
  inode (writes, attribute and link-count changes, opens and closes through any name, in or out of the
  tree: a hard link is one inode, so one watch sees writes through every link);
- a new or moved-in directory is watched first and listed second, so nothing created in between escapes;
  its name goes to the scan, which lists everything beneath it;
- a file open anywhere (a shared mapping writes without events) is named at every checkpoint until closed;
- overflow of the kernel's queue, a watch refused (the per-user limit, or `max_watches`), the root
  deleted, moved or replaced, a mount appearing or disappearing, a file system where inotify does not
  see every change (network, FUSE): the next checkpoint scans the whole tree, and the watches are set up
  again from scratch when that can help.

Draining is exact: an inotify event is queued by the very system call that made the change, before it
returns, so every change that completed before `collect` reads the queue is in it (or the queue has
overflowed, which `collect` sees).
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import stat
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vtcode.errors import InvariantError

from . import inotify as ino
from .inotify import Inotify, InotifyUnavailable

_DIR_MASK = (ino.IN_CREATE | ino.IN_DELETE | ino.IN_MOVED_FROM | ino.IN_MOVED_TO | ino.IN_OPEN
             | ino.IN_CLOSE_WRITE | ino.IN_CLOSE_NOWRITE | ino.IN_ATTRIB | ino.IN_DELETE_SELF
             | ino.IN_MOVE_SELF | ino.IN_ONLYDIR | ino.IN_DONT_FOLLOW)
_FILE_MASK = (ino.IN_MODIFY | ino.IN_ATTRIB | ino.IN_CLOSE_WRITE | ino.IN_OPEN | ino.IN_CLOSE_NOWRITE
              | ino.IN_DONT_FOLLOW)
# What changes a name's content, kind or mode (opens and read-only closes only count open files: git
# itself opens every .gitignore it reads).
_CHANGES = (ino.IN_CREATE | ino.IN_DELETE | ino.IN_MOVED_FROM | ino.IN_MOVED_TO | ino.IN_MODIFY
            | ino.IN_ATTRIB | ino.IN_CLOSE_WRITE)
# File systems where every change to the tree goes through this kernel's VFS, so inotify sees it. On any
# other (NFS, SMB, FUSE, 9p, ...) another machine or a user-space server can change files unseen.
LOCAL_FILESYSTEMS = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "overlay", "f2fs", "jfs",
                               "reiserfs", "bcachefs", "zfs", "ramfs", "hfsplus", "vfat", "exfat"})
# More names than this and a scan of the whole tree is cheaper than listing them to git.
MAX_NAMES = 2048
STOP_JOIN_S = 5.0  # how long close waits for the background thread (then the thread closes its own fds)


class _Exhausted(Exception):
    """A watch could not be added for lack of watches (ENOSPC, or `max_watches`)."""


def _join(parent: bytes, name: bytes) -> bytes:
    return parent + b"/" + name if parent else name


def _beneath(path: bytes, top: bytes) -> bool:
    return path == top or path.startswith(top + b"/")


def mounts() -> list[tuple[str, str]]:
    """(mount point, file system type) of every mount this process sees."""
    out = []
    try:
        with open("/proc/self/mountinfo", "rb") as handle:
            for line in handle:
                fields = line.split()
                sep = fields.index(b"-")
                point = fields[4].decode("unicode_escape").encode("latin-1").decode(errors="surrogateescape")
                out.append((point, fields[sep + 1].decode()))
    except (OSError, ValueError, IndexError):
        return []
    return out


def unwatchable(root: str) -> str | None:
    """Why inotify cannot see every change under `root`, or None: the file system of the root and of every
    mount beneath it must be a local one."""
    table = mounts()
    if not table:
        return "no /proc/self/mountinfo"
    holding = max((m for m in table if root == m[0] or root.startswith(m[0].rstrip("/") + "/")),
                  key=lambda m: len(m[0]), default=None)
    for point, kind in [*([holding] if holding else []),
                        *(m for m in table if m[0].startswith(root.rstrip("/") + "/"))]:
        if kind not in LOCAL_FILESYSTEMS:
            return f"{point} is {kind}, where inotify does not see every change"
    return None


class TreeWatcher:
    """Watches one workspace. `collect()` returns the names that may have changed since the previous
    `collect()`, or None (scan everything). Thread-safe; a background thread keeps the kernel's queue
    drained between checkpoints (`background=False`: only `collect` reads it, for tests of overflow)."""

    def __init__(self, root: Path, *, exclude: Iterable[bytes] = (), max_watches: int | None = None,
                 background: bool = True) -> None:
        self.root = os.fsencode(os.path.realpath(root))
        self.exclude = tuple(exclude)  # workspace-relative directories not watched (the store itself)
        self.max_watches = max_watches
        self.background = background
        self.fallbacks: list[str] = []  # why each whole scan was needed, for tests and diagnostics
        self._lock = threading.RLock()
        self._inotify: Inotify | None = None
        self._thread: threading.Thread | None = None
        self._wake: tuple[int, int] | None = None
        self._closed = False
        self._reset_state()
        self._needs_walk = True
        self._disabled: str | None = None
        self._mounts_fd: int | None = None

    def _reset_state(self) -> None:
        self._dirs: dict[int, bytes] = {}
        self._dir_wd: dict[bytes, int] = {}
        self._files: dict[int, set[bytes]] = {}
        self._file_wd: dict[bytes, int] = {}
        self._children: dict[bytes, set[bytes]] = {}  # a watched directory's watched entries
        self._dirty: set[bytes] = set()
        self._always: set[bytes] = set()  # could not be watched: named at every checkpoint
        self._open_names: dict[bytes, int] = {}
        self._open_inodes: dict[int, int] = {}
        self._moving: dict[int, tuple[int, int | None]] = {}  # cookie: (opens by name, inode watch)
        self._root_id: tuple[int, int] | None = None
        self._watches = 0
        self._full_next = False
        self._open_before: set[bytes] = set()
        self.forced: set[bytes] = set()  # of the names last collected, those to hash whatever their stat

    # -- the public side --------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Whether the watches are set up and the next `collect` can name changes."""
        return self._inotify is not None and not self._needs_walk and not self._disabled

    @property
    def watches(self) -> int:
        return self._watches

    def collect(self) -> set[bytes] | None:
        """The names that may differ from the last checkpoint, or None (scan the whole tree). Afterwards
        the watcher assumes the caller brought the store up to date with them; if that fails, call
        `invalidate()`."""
        with self._lock:
            if self._closed or self._disabled:
                return None
            if not self._needs_walk:
                self._drain()
            if not self._needs_walk and self._root_moved():
                self._fallback("the workspace root was moved, deleted or replaced")
            if not self._needs_walk and self._mounts_changed():
                self._fallback("a mount appeared or disappeared")
            if self._needs_walk:
                self._walk()
                return None  # the first checkpoint after (re)starting scans the whole tree
            open_now = {n for n, count in self._open_names.items() if count > 0}
            for wd, count in self._open_inodes.items():
                if count > 0:
                    open_now.update(self._files.get(wd, ()))
            # A write through a shared mapping sets the mtime only at its first fault on a clean page, so
            # a file open now, or open at the last checkpoint, is read again whatever its stat data says.
            self.forced = open_now | self._open_before
            self._open_before = open_now
            names = self._dirty | self._always | self.forced
            self._dirty = set()
            if self._full_next:
                self._full_next = False
                return None
            if len(names) > MAX_NAMES:
                return None
            return names

    def settled(self) -> bool:
        """Apply what is queued now (nothing is collected) and say whether the watches are all in place:
        False after an overflow (e.g. the first whole scan of a big tree hashed every file, each read an
        event or four), so the caller can start again while nobody waits for it."""
        with self._lock:
            if not self._needs_walk and not self._closed and not self._disabled:
                self._drain()
            return self.active

    def invalidate(self, why: str = "a checkpoint failed after its names were collected") -> None:
        """The next `collect` returns None: the names handed out were not recorded."""
        with self._lock:
            self.fallbacks.append(why)
            self._full_next = True

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._stop()

    # -- setting up ---------------------------------------------------------------------------------

    def _fallback(self, why: str, *, rewalk: bool = True) -> None:
        self.fallbacks.append(why)
        if rewalk:
            self._needs_walk = True

    def _stop(self) -> None:
        if self._wake is not None:
            with contextlib.suppress(OSError):
                os.write(self._wake[1], b"x")
        thread = self._thread
        ended = True
        if thread is threading.current_thread():
            ended = False  # _give_up from the thread's own drain: it closes them on its way out
        elif thread is not None:
            self._lock.release()
            try:
                thread.join(STOP_JOIN_S)
            finally:
                self._lock.acquire()
            ended = not thread.is_alive()
        self._thread = None
        wake, inotify = self._wake, self._inotify
        self._wake, self._inotify = None, None
        # A thread still selecting on the wake pipe and the inotify instance owns them now: closing their
        # numbers under its select would let a retried select watch whatever the agent opens next there.
        if ended:
            _close_watch_fds(wake, inotify)
        if self._mounts_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._mounts_fd)
            self._mounts_fd = None

    def _walk(self) -> None:
        """(Re)start: a new instance, a watch on every directory and every regular file. Each directory is
        watched before it is listed, so an entry made in between is reported by the watch."""
        self._stop()
        self._reset_state()
        self._needs_walk = False
        why = unwatchable(os.fsdecode(self.root))
        if why is not None:
            self._disabled = why
            self.fallbacks.append(why)
            return
        try:
            self._mounts_fd = os.open("/proc/self/mountinfo", os.O_RDONLY | os.O_CLOEXEC)
            self._inotify = Inotify()
            info = os.stat(self.root)
            self._root_id = (info.st_dev, info.st_ino)
            self._watch_tree(b"", drain=True)
            if self._inotify is None or self._needs_walk:
                return  # gave up, or overflowed while walking: the next collect starts again
        except _Exhausted:
            self._give_up("no inotify watch left (the per-user limit, fs.inotify.max_user_watches, or "
                          f"this watcher's cap of {self.max_watches})")
            return
        except InotifyUnavailable as exc:
            self._give_up(f"inotify unavailable: {exc}")
            return
        except OSError as exc:  # the root itself is gone: scan (and fail) as before; retry next time
            self.fallbacks.append(f"cannot watch the workspace: {exc}")
            self._stop()
            self._needs_walk = True
            return
        if self.background:
            self._wake = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
            self._thread = threading.Thread(target=self._run, daemon=True, name="vtcode-checkpoint-watch")
            self._thread.start()

    def _give_up(self, why: str) -> None:
        """Every checkpoint of this session scans the whole tree (the watches are released)."""
        self.fallbacks.append(why)
        self._disabled = why
        self._stop()
        self._reset_state()

    def _add(self, rel: bytes, mask: int) -> int:
        if self._inotify is None:
            raise InvariantError("a watch added with no inotify instance")
        if self.max_watches is not None and self._watches >= self.max_watches:
            raise _Exhausted
        try:
            wd = self._inotify.add_watch(self.root + b"/" + rel if rel else self.root, mask)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise _Exhausted from exc
            raise
        self._watches += 1
        return wd

    def _watch_tree(self, top: bytes, *, drain: bool = False) -> None:
        """Watch `top` and everything beneath it (directories before their entries). `drain` (the walk of
        the whole tree only, never one made while applying events, which would apply them out of order):
        apply the queue every so often, since listing a directory is itself four events (its open and
        close, in it and in its parent) and a tree of 10,000 directories would overflow the queue."""
        stack = [top]
        listed = 0
        while stack:
            if drain and listed % 128 == 127:
                self._drain()
                if self._inotify is None or self._needs_walk:
                    return
            listed += 1
            rel = stack.pop()
            if rel and (any(_beneath(rel, x) for x in self.exclude) or rel.rsplit(b"/", 1)[-1] == b".git"):
                continue
            try:
                wd = self._add(rel, _DIR_MASK)
            except OSError as exc:
                if not rel:
                    raise
                if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
                    self._always.add(rel)  # unreadable: the scan looks at it every time, as a scan would
                continue
            self._files.pop(wd, None)  # a file's watch on what has become this directory
            old = self._dirs.get(wd)
            if old is not None:
                self._watches -= 1  # watched already (by an event applied during the walk)
                if old != rel:
                    self._dir_wd.pop(old, None)
            self._dirs[wd] = rel
            self._dir_wd[rel] = wd
            self._child(rel)
            try:
                entries = list(os.scandir(self.root + b"/" + rel if rel else self.root))
            except OSError:
                self._always.add(rel)
                continue
            for entry in entries:
                child = _join(rel, entry.name)
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(child)
                    elif entry.is_file(follow_symlinks=False):
                        self._watch_file(child)
                except OSError:
                    self._dirty.add(child)

    def _child(self, rel: bytes) -> None:
        if rel:
            parent = rel.rsplit(b"/", 1)[0] if b"/" in rel else b""
            self._children.setdefault(parent, set()).add(rel)

    def _watch_file(self, rel: bytes, wd: int | None = None) -> None:
        if wd is None:
            try:
                wd = self._add(rel, _FILE_MASK)
            except OSError as exc:
                if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
                    self._always.add(rel)  # e.g. unreadable: inotify needs read access to the inode
                return
            if wd in self._dirs:  # it became a directory meanwhile; the directory's watch stands
                return
            if wd in self._files:
                self._watches -= 1  # another name of an inode already watched: the same watch
        replaced = self._file_wd.get(rel)
        if replaced is not None and replaced != wd:  # renamed over: the old inode no longer has this name
            names = self._files.get(replaced)
            if names is not None:
                names.discard(rel)
                if not names:
                    del self._files[replaced]
                    self._open_inodes.pop(replaced, None)
                    self._unwatch(replaced)
        self._files.setdefault(wd, set()).add(rel)
        self._file_wd[rel] = wd
        self._child(rel)

    # -- events ---------------------------------------------------------------------------------------

    def _run(self) -> None:
        if self._inotify is None or self._wake is None:
            raise InvariantError("the watcher's thread started without its inotify instance")
        inotify, pipe = self._inotify, self._wake
        fd, wake = inotify.fd, pipe[0]
        try:
            while True:
                try:
                    ready, _, _ = select.select([fd, wake], [], [])
                except (OSError, ValueError):
                    return
                if wake in ready:
                    return
                with self._lock:
                    if not self._watching(fd):
                        return
                    self._drain()
                    if not self._watching(fd):
                        return
        finally:
            with self._lock:
                handed_over = self._inotify is not inotify  # _stop let go of them while this thread ran
            if handed_over:
                _close_watch_fds(pipe, inotify)

    def _watching(self, fd: int) -> bool:
        """Whether this thread's instance is still the one in use (a restart makes a new one)."""
        return (not self._closed and self._inotify is not None and self._inotify.fd == fd
                and not self._needs_walk)

    def _drain(self) -> None:
        """Read and apply every queued event. Called with the lock held, so no event is ever read and not
        yet applied when `collect` runs."""
        if self._inotify is None:
            self._needs_walk = True
            return
        try:
            for event in self._inotify.read():
                if event.mask & ino.IN_Q_OVERFLOW:
                    self._fallback("the kernel's inotify queue overflowed")
                    return
                self._apply(event)
                if self._needs_walk:
                    return
            # A file moved out of the tree: its inode watch was kept in case the move ended inside.
            for _opens, wd in self._moving.values():
                if wd is not None and wd not in self._files:
                    self._unwatch(wd)
            self._moving.clear()
        except _Exhausted:
            self._give_up("no inotify watch left (the per-user limit, fs.inotify.max_user_watches, or "
                          f"this watcher's cap of {self.max_watches})")

    def _apply(self, event: ino.Event) -> None:
        mask = event.mask
        if event.wd in self._dirs:
            self._apply_dir(event, self._dirs[event.wd])
            return
        names = self._files.get(event.wd)
        if names is None:
            return  # a watch already dropped
        if mask & (_CHANGES | ino.IN_IGNORED):
            self._dirty.update(names)
        if mask & ino.IN_IGNORED:
            del self._files[event.wd]
            self._open_inodes.pop(event.wd, None)
            for name in names:
                if self._file_wd.get(name) == event.wd:
                    del self._file_wd[name]
            return
        if mask & ino.IN_OPEN:
            self._open_inodes[event.wd] = self._open_inodes.get(event.wd, 0) + 1
        if mask & (ino.IN_CLOSE_WRITE | ino.IN_CLOSE_NOWRITE):
            _decrement(self._open_inodes, event.wd)

    def _apply_dir(self, event: ino.Event, parent: bytes) -> None:
        mask = event.mask
        if mask & ino.IN_IGNORED:
            del self._dirs[event.wd]
            if self._dir_wd.get(parent) == event.wd:
                del self._dir_wd[parent]
            if not parent:
                self._fallback("the workspace root's watch was removed")
            return
        if not event.name:
            if not parent and mask & (ino.IN_DELETE_SELF | ino.IN_MOVE_SELF | ino.IN_UNMOUNT):
                self._fallback("the workspace root was moved or deleted")
            return
        name = _join(parent, event.name)
        if mask & _CHANGES:
            self._dirty.add(name)
        is_dir = bool(mask & ino.IN_ISDIR)
        if mask & (ino.IN_DELETE | ino.IN_MOVED_FROM):
            moving = mask & ino.IN_MOVED_FROM and event.cookie
            opens, wd = self._forget(name, keep_inode=bool(moving))
            if moving:
                self._moving[event.cookie] = (opens, wd)
        if mask & (ino.IN_CREATE | ino.IN_MOVED_TO):
            opens, wd = self._moving.pop(event.cookie, (0, None)) if mask & ino.IN_MOVED_TO else (0, None)
            if opens:
                self._open_names[name] = self._open_names.get(name, 0) + opens
            if is_dir:
                self._watch_tree(name)
            elif wd is not None:
                self._watch_file(name, wd)  # the same inode, moved within the tree
            else:
                with contextlib.suppress(OSError):
                    if stat.S_ISREG(os.lstat(self.root + b"/" + name).st_mode):
                        self._watch_file(name)
        if not is_dir:
            if mask & ino.IN_OPEN:
                self._open_names[name] = self._open_names.get(name, 0) + 1
            if mask & (ino.IN_CLOSE_WRITE | ino.IN_CLOSE_NOWRITE):
                _decrement(self._open_names, name)

    def _unwatch(self, wd: int) -> None:
        if self._inotify is not None:
            self._inotify.rm_watch(wd)
        self._watches -= 1

    def _forget(self, name: bytes, *, keep_inode: bool = False) -> tuple[int, int | None]:
        """`name` left the tree (deleted, or moved away): drop the watches of everything beneath it.
        Returns the opens counted on that name and, with `keep_inode`, the watch of its inode (kept: a
        move within the tree gives it a new name)."""
        kept: int | None = None
        stack = [name]
        while stack:
            rel = stack.pop()
            stack.extend(self._children.pop(rel, ()))
            wd = self._file_wd.pop(rel, None)
            if wd is not None:
                names = self._files.get(wd)
                if names is not None:
                    names.discard(rel)
                    if not names:  # no name left in the tree: stop watching the inode
                        del self._files[wd]
                        if rel == name and keep_inode:
                            kept = wd
                        else:
                            self._open_inodes.pop(wd, None)
                            self._unwatch(wd)
            dwd = self._dir_wd.pop(rel, None)
            if dwd is not None:
                self._dirs.pop(dwd, None)
                self._unwatch(dwd)
            if rel != name:
                self._open_names.pop(rel, None)
        parent = name.rsplit(b"/", 1)[0] if b"/" in name else b""
        self._children.get(parent, set()).discard(name)
        if self._always:
            self._always = {a for a in self._always if not _beneath(a, name)}
        return self._open_names.pop(name, 0), kept

    # -- things inotify does not report ----------------------------------------------------------------

    def _root_moved(self) -> bool:
        """The root, or a directory above it, was renamed or replaced (no event reaches our watches)."""
        try:
            info = os.stat(self.root)
        except OSError:
            return True
        return (info.st_dev, info.st_ino) != self._root_id

    def _mounts_changed(self) -> bool:
        """/proc/self/mountinfo polls with POLLPRI when this mount namespace's table changes."""
        if self._mounts_fd is None:
            return True
        poller = select.poll()
        poller.register(self._mounts_fd, select.POLLPRI | select.POLLERR)
        return bool(poller.poll(0))


def _close_watch_fds(wake: tuple[int, int] | None, inotify: Inotify | None) -> None:
    if wake is not None:
        for fd in wake:
            with contextlib.suppress(OSError):
                os.close(fd)
    if inotify is not None:
        inotify.close()


def _decrement(counts: dict[Any, int], key: Any) -> None:
    count = counts.get(key, 0) - 1
    if count > 0:
        counts[key] = count
    else:
        counts.pop(key, None)
