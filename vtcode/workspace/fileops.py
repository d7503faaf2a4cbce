"""Read and atomically replace files beneath the root through fds, never through re-resolved paths.

A write is a temp file created next to the target (O_CREAT|O_EXCL|O_NOFOLLOW in the parent's fd), written,
fsynced, then renamed over the target within that same directory fd, and the directory is fsynced. Any
failure unlinks the temp: the target is either untouched or wholly replaced, never partial. rename(2)
replaces a symlink standing at the target name rather than following it, so a link swapped in late
cannot redirect the write either.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Callable, Iterable, Sequence

from .beneath import open_dir, open_file, open_root, refused_or_oserror
from .refused import Refused

Data = bytes | bytearray | memoryview | Iterable[bytes]
_CHUNK = 1 << 20


def read_beneath(root: str, parts: Sequence[str], shown: str, limit: int | None) -> bytes:
    """The bytes of root/parts (at most `limit`); only regular files are read."""
    if not parts:
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), shown)
    root_fd = open_root(root)
    try:
        fd = open_file(root_fd, parts)
    except OSError as exc:
        raise refused_or_oserror(exc, shown) from exc
    finally:
        os.close(root_fd)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), shown)
        if not stat.S_ISREG(info.st_mode):
            # A FIFO would block forever, a device could be anything: only regular files are content.
            raise Refused("is not a regular file (a FIFO, socket or device)")
        return _read_all(fd, limit)
    finally:
        os.close(fd)


def _read_all(fd: int, limit: int | None) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left is None or left > 0:
        chunk = os.read(fd, _CHUNK if left is None else min(left, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        if left is not None:
            left -= len(chunk)
    return b"".join(chunks)


def write_beneath(root: str, parts: Sequence[str], shown: str, data: Data, *, mode: int | None,
                  recheck: Callable[[], str | None]) -> None:
    """Replace root/parts with `data`, creating missing parent directories without following symlinks.

    `recheck` is asked again just before the rename: why the target may not be written, or None.
    """
    root_fd = open_root(root)
    try:
        dir_fd = open_dir(root_fd, parts[:-1], create=True)
    except OSError as exc:
        raise refused_or_oserror(exc, shown) from exc
    finally:
        os.close(root_fd)
    try:
        _replace_in(dir_fd, parts[-1], shown, data, mode, recheck)
    finally:
        os.close(dir_fd)


def _replace_in(dir_fd: int, name: str, shown: str, data: Data, mode: int | None,
                recheck: Callable[[], str | None]) -> None:
    existing = _lstat_at(dir_fd, name)
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), shown)
    if mode is None and existing is not None and stat.S_ISREG(existing.st_mode):
        mode = existing.st_mode & 0o777  # keep the file's permissions, never its setuid/setgid bits
    temp, fd = _create_temp(dir_fd, name)
    try:
        try:
            _write_all(fd, data)
            if mode is not None:
                os.fchmod(fd, mode)
            if existing is not None and stat.S_ISREG(existing.st_mode):
                _keep_owner(fd, existing)
            os.fsync(fd)
        finally:
            os.close(fd)
        reason = recheck()
        if reason is not None:
            raise Refused(reason, protected=True)
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp, dir_fd=dir_fd)
        raise
    os.fsync(dir_fd)  # the rename is durable only once the directory entry is


def _lstat_at(dir_fd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _create_temp(dir_fd: int, name: str) -> tuple[str, int]:
    # O_EXCL|O_NOFOLLOW: a planted file or symlink at the temp name is never written through.
    # 0o666 lets the umask decide a new file's permissions, as for any file the user's tools create.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(16):
        temp = f".{name[:32]}.{secrets.token_hex(6)}.vtcode-tmp"
        with contextlib.suppress(FileExistsError):
            return temp, os.open(temp, flags, 0o666, dir_fd=dir_fd)
    raise FileExistsError(errno.EEXIST, "could not create a unique temp file", name)


def _write_all(fd: int, data: Data) -> None:
    chunks: Iterable[bytes | bytearray | memoryview]
    anything: object = data
    if isinstance(anything, str):  # iterating a str would write its characters' code points
        raise TypeError("write_atomic takes bytes, or an iterable of bytes, not str")
    chunks = (data,) if isinstance(data, (bytes, bytearray, memoryview)) else data
    for chunk in chunks:
        view = memoryview(chunk).cast("B")
        while view:
            view = view[os.write(fd, view) :]


def _keep_owner(fd: int, existing: os.stat_result) -> None:
    # A root agent replacing a user's file must not hand it to root; unprivileged, this is a no-op.
    info = os.fstat(fd)
    if (info.st_uid, info.st_gid) != (existing.st_uid, existing.st_gid):
        with contextlib.suppress(PermissionError):
            os.fchown(fd, existing.st_uid, existing.st_gid)
