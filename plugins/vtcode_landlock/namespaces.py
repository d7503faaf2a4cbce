"""The child's private mount namespace: everything read-only but the writable roots, protected paths
read-only inside those, a private /dev/shm, a private IPC namespace.

Why everything else is read-only at the mount level: Landlock governs reads and writes of content but not
a file's metadata (chmod, chown, utimes, xattrs), so without this a sandboxed `chmod 0644 ~/.ssh/id_rsa`
or `touch -d` on a file outside the workspace would succeed. The writable roots are bind-mounted onto
themselves first, then every mount is made read-only recursively with one mount_setattr(AT_RECURSIVE)
(bwrap's `--ro-bind / /` without building a new root), then the writable roots alone (not mounts below
them) are made writable again. Device nodes keep working on a read-only mount (/dev/null, PTYs).

/dev/shm is shared with every process of the host (and POSIX semaphores live there); the child gets a
directory of the session's private temp root bound on it instead (Landlock skips mount points when it
walks up a path, so a grant must sit on the bind's own root: a fresh tmpfs could not be granted). SysV
shared memory and POSIX message queues live in the IPC namespace: a new one.

Landlock cannot subtract `<ws>/.git/hooks` from a writable `<ws>`, so the child makes its own mount
namespace (inside a user namespace unless it is root, which already holds CAP_SYS_ADMIN) and bind-mounts
each protected path read-only onto itself: writes get EROFS, unlink and rename get EBUSY.

Renaming a directory that merely *contains* a mount point is allowed, so `mv .git .git.old; mkdir .git`
would leave the protected hooks behind and let a fresh `.git/config` in. Every ancestor of a protected path
below the writable root is therefore bind-mounted onto itself too (read-write), which pins it in place.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import ProtectedPathError
from .grants import is_within, resolve
from .hardlinks import Inode, names_in_trees
from .syscalls import MountAttr, mount, mount_setattr, prctl, unshare

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWIPC = 0x00020000, 0x10000000, 0x08000000
AT_RECURSIVE, MOUNT_ATTR_RDONLY = 0x8000, 0x1
SHM_TARGET = b"/dev/shm"
PR_GET_DUMPABLE, PR_SET_DUMPABLE = 3, 4
# statvfs ST_NOSUID/ST_NODEV/ST_NOEXEC share MS_*'s values.
_LOCKED_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC
MAX_PROTECTED_ENTRIES = 5000


@dataclass(frozen=True)
class BindMount:
    path: bytes
    readonly: bool
    # Flags the source mount already carries. In a user namespace they are locked, and a read-only
    # remount that omits them fails with EPERM; atime flags are omitted on purpose (remount keeps them).
    keep_flags: int


@dataclass(frozen=True)
class MountPlan:
    mounts: tuple[BindMount, ...]
    protected: tuple[str, ...]  # resolved paths mounted read-only
    unprotected: tuple[str, ...]  # requested paths left unprotected: the caller must detect-and-restore them
    created: tuple[str, ...]  # missing protected directories created empty so they could be mounted
    # Writable roots (resolved, existing); with readonly_root every other mount becomes read-only.
    writable: tuple[bytes, ...] = ()
    readonly_root: bool = False
    private_shm: bytes | None = None  # a private directory bound on /dev/shm

    @property
    def active(self) -> bool:
        """Whether the child needs a mount namespace at all."""
        return bool(self.mounts or self.readonly_root or self.private_shm)


def _materialise(requested: str) -> tuple[str | None, bool]:
    """Resolve a protected path; create it empty when it is a missing directory (trailing '/').

    An attacker who may write `<ws>/.git` could otherwise create `.git/hooks/pre-commit` when no hooks
    directory exists yet. Missing files are not created (an empty vtcode.toml would litter the user's
    tree); they are reported as unprotected instead.
    """
    if not requested.endswith("/") and not os.path.lexists(requested):
        return None, False  # most protected files (rc files...) are absent: one lstat, not a realpath
    real = resolve(requested)
    if real is not None or not requested.endswith("/"):
        return real, False
    parent = resolve(os.path.dirname(os.path.abspath(requested)))
    if parent is None or not os.path.isdir(parent):
        return None, False
    target = os.path.join(parent, os.path.basename(os.path.abspath(requested)))
    os.mkdir(target, 0o755)
    return resolve(target), True


def _inspect(path: str) -> tuple[list[str], dict[Inode, str]]:
    """Symlink targets to protect as well, and hard-linked files, inside a protected path.

    A symlink (`pre-commit -> ../../scripts/hook`, a common setup) is only as safe as its target, so the
    target is protected too. A dangling one is followed non-strictly: it surfaces as unprotected, since
    the attacker could create its target. Hard-linked files are checked by `_check_hardlinks`.
    """
    targets: list[str] = []
    linked: dict[Inode, str] = {}
    entries = [path] if not os.path.isdir(path) else [
        os.path.join(d, n) for d, dirs, files in os.walk(path) for n in (*dirs, *files)]
    if len(entries) > MAX_PROTECTED_ENTRIES:
        raise ProtectedPathError(f"protected path {path} holds over {MAX_PROTECTED_ENTRIES} entries; "
                                 "protect a narrower path")
    for entry in entries:
        st = os.lstat(entry)
        if stat.S_ISLNK(st.st_mode):
            target = os.path.realpath(entry)
            if not is_within(target, path):
                targets.append(target)
        elif stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
            linked[(st.st_dev, st.st_ino)] = entry
    return targets, linked


def _check_hardlinks(linked: dict[Inode, str], readonly: set[str], roots: list[str]) -> None:
    """Refuse if a protected file has another name inside a writable tree that is not protected.

    Such a name (`<ws>/x` linked to `.git/config`, made while protection was off) would write the
    protected inode past the read-only mount. Names outside every writable tree are harmless.
    """
    if not linked:
        return
    for inode, names in names_in_trees(roots, linked.keys()).items():
        exposed = [n for n in names if not any(is_within(n, ro) for ro in readonly)]
        if exposed:
            raise ProtectedPathError(f"protected file {linked[inode]} is also writable as {exposed[0]} "
                                     "(a hard link); delete that name, then retry")


def trees_in(trees: Iterable[str], writable_roots: Iterable[str]) -> tuple[str, ...]:
    """The trees (as requested) that lie in a writable root, so need guarding; the rest Landlock denies."""
    return _trees_in(tuple(trees), tuple(writable_roots))


@functools.lru_cache(maxsize=64)
def _trees_in(trees: tuple[str, ...], writable_roots: tuple[str, ...]) -> tuple[str, ...]:
    """Memoised: every command of a session asks about the same trees and roots (~25 realpaths)."""
    roots = [os.path.realpath(w) for w in writable_roots]
    return tuple(t for t in trees
                 if any(is_within(os.path.realpath(t.rstrip("/") or "/"), r) for r in roots))


def plan_protection(protected: Iterable[str], writable_roots: Iterable[str], *, readonly_root: bool = False,
                    private_shm: str | None = None, trees: Iterable[str] = ()) -> MountPlan:
    """Compute the mounts that make `protected` read-only and immovable and, with `readonly_root`,
    everything outside `writable_roots` read-only; runs in the parent.

    `trees` (vtcode's own code and state) are mounted read-only whole where they lie in a writable root,
    without looking inside: a virtualenv holds tens of thousands of entries. A missing one is unprotected.
    """
    writable_roots = list(writable_roots)
    roots = [r for r in (resolve(w) for w in writable_roots) if r is not None]
    if "/" in roots:
        readonly_root = False  # full access: nothing is outside the writable roots
    readonly: set[str] = set()
    linked: dict[Inode, str] = {}
    unprotected: list[str] = []
    created: list[str] = []
    for tree in trees_in(trees, writable_roots):
        real = resolve(tree.rstrip("/") or "/")
        if real is None:
            unprotected.append(tree)
        else:
            readonly.add(real)
    pending = list(protected)
    while pending:
        requested = pending.pop()
        real, made = _materialise(requested)
        if real is None:
            unprotected.append(requested)
            continue
        if made:
            created.append(real)
        if real not in readonly:
            readonly.add(real)
            targets, found = _inspect(real)
            pending.extend(targets)
            linked.update(found)
    if "/" in roots and linked:
        # Full access: every other name of a hard-linked protected file is writable and finding them means
        # walking the whole file system; such a file is watched and restored by the core instead.
        for path in linked.values():
            readonly.discard(path)
            unprotected.append(path)
        linked = {}
    _check_hardlinks(linked, readonly, roots)
    pins = {a for p in readonly for r in roots if is_within(p, r) for a in _ancestors(p, r)} - readonly
    ordered = sorted(readonly | pins, key=lambda p: (p.count("/"), p))
    mounts = tuple(BindMount(p.encode(), p in readonly, _keep_flags(p)) for p in ordered)
    shm = private_shm.encode() if private_shm and os.path.isdir(private_shm) and os.path.isdir(SHM_TARGET) \
        else None
    return MountPlan(mounts, tuple(sorted(readonly)), tuple(sorted(unprotected)), tuple(created),
                     tuple(r.encode() for r in _outermost(roots)) if readonly_root else (), readonly_root,
                     shm)


def _outermost(roots: list[str]) -> list[str]:
    """Roots not inside another root: binding a nested one again would be redundant."""
    ordered = sorted(set(roots), key=lambda r: (r.count("/"), r))
    kept: list[str] = []
    for root in ordered:
        if not any(is_within(root, k) for k in kept):
            kept.append(root)
    return kept


def _ancestors(path: str, root: str) -> list[str]:
    """Directories strictly between `root` and `path`."""
    found: list[str] = []
    parent = os.path.dirname(path)
    while parent != root and is_within(parent, root):
        found.append(parent)
        parent = os.path.dirname(parent)
    return found


def _keep_flags(path: str) -> int:
    return os.statvfs(path).f_flag & _LOCKED_FLAGS


def write_proc_self(name: bytes, data: bytes) -> None:
    fd = os.open(b"/proc/self/" + name, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def enter_user_namespace(extra: int = 0) -> None:
    """unshare a user + mount namespace mapping our uid and gid to themselves (the only map allowed)."""
    uid, gid = os.geteuid(), os.getegid()
    # After a setuid (subprocess user=) the child is not dumpable and /proc/self/uid_map belongs to
    # root; make it ours again so the map can be written.
    if prctl(PR_GET_DUMPABLE) == 0:
        prctl(PR_SET_DUMPABLE, 1)
    unshare(CLONE_NEWUSER | CLONE_NEWNS | extra)
    write_proc_self(b"setgroups", b"deny")  # required before an unprivileged gid_map
    write_proc_self(b"uid_map", b"%d %d 1" % (uid, uid))
    write_proc_self(b"gid_map", b"%d %d 1" % (gid, gid))


def enter_mount_namespace() -> None:
    """A private mount namespace (and IPC namespace) whose mounts never propagate back to the host's."""
    if os.geteuid() == 0:
        # Root already has CAP_SYS_ADMIN; a user namespace mapping only uid 0 would strip its rights over
        # files owned by other uids and break workspaces it is asked to work in.
        unshare(CLONE_NEWNS | CLONE_NEWIPC)
    else:
        enter_user_namespace(CLONE_NEWIPC)
    # Shared propagation is systemd's default: without this our binds would appear on the host.
    mount(None, b"/", MS_REC | MS_PRIVATE)


def mount_readonly_tree(path: bytes, readonly: bool, recursive: bool) -> None:
    """mount_setattr(2): set (or clear) MOUNT_ATTR_RDONLY on the mount at `path` (and every one below)."""
    attr = MountAttr(MOUNT_ATTR_RDONLY, 0) if readonly else MountAttr(0, MOUNT_ATTR_RDONLY)
    mount_setattr(path, AT_RECURSIVE if recursive else 0, attr)


def enter_private_mounts(plan: MountPlan) -> None:
    """In the child: new mount namespace, then the planned mounts (order as in confine._mount_steps)."""
    enter_mount_namespace()
    if plan.readonly_root:
        for root in plan.writable:
            mount(root, root, MS_BIND | MS_REC)
        mount_readonly_tree(b"/", readonly=True, recursive=True)
        for root in plan.writable:
            mount_readonly_tree(root, readonly=False, recursive=False)
    if plan.private_shm is not None:
        mount(plan.private_shm, SHM_TARGET, MS_BIND)
    for m in plan.mounts:
        mount(m.path, m.path, MS_BIND | MS_REC)
        if m.readonly:
            mount(None, m.path, MS_REMOUNT | MS_BIND | MS_RDONLY | m.keep_flags)
