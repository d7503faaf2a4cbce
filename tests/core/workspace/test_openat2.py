"""The openat2 wrapper and its switch: the kernel refuses escapes; the switch forces the fallback."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from vtcode.workspace import openat2 as o2
from vtcode.workspace.beneath import open_dir, open_root, walk_open

pytestmark = pytest.mark.skipif(not o2.available(), reason="kernel without openat2")


def _fd(path: Path) -> int:
    return os.open(path, os.O_PATH | os.O_DIRECTORY)


def test_beneath_refuses_dotdot_and_absolute_links(workspace: Path, outside: Path) -> None:
    (workspace / "abs").symlink_to(outside)
    fd = _fd(workspace)
    try:
        for path in ("..", "abs/secret.txt"):
            with pytest.raises(OSError, match="cross-device") as caught:
                o2.openat2(fd, path, os.O_RDONLY, o2.RESOLVE_BENEATH)
            assert caught.value.errno == errno.EXDEV
    finally:
        os.close(fd)


def test_no_symlinks_refuses_even_inside_links(workspace: Path) -> None:
    (workspace / "d").mkdir()
    (workspace / "l").symlink_to("d")
    fd = _fd(workspace)
    try:
        with pytest.raises(OSError, match="symbolic links") as caught:
            o2.openat2(fd, "l", os.O_RDONLY, o2.RESOLVE_BENEATH | o2.RESOLVE_NO_SYMLINKS)
        assert caught.value.errno == errno.ELOOP
        os.close(o2.openat2(fd, "d", os.O_RDONLY, o2.RESOLVE_BENEATH | o2.RESOLVE_NO_SYMLINKS))
    finally:
        os.close(fd)


def test_switch_forces_the_fallback(monkeypatch: pytest.MonkeyPatch, workspace: Path) -> None:
    monkeypatch.setenv(o2.FORCE_FALLBACK_ENV, "1")
    assert not o2.available()
    with pytest.raises(o2.Unsupported):
        o2.openat2(o2.AT_FDCWD, str(workspace), os.O_PATH, 0)


def test_fallback_walk_refuses_a_symlinked_component(workspace: Path, outside: Path) -> None:
    (workspace / "l").symlink_to(outside)
    with pytest.raises(OSError, match=r"symbolic links|Not a directory") as caught:
        walk_open(_fd(workspace), ["l"], os.O_RDONLY | os.O_DIRECTORY)
    assert caught.value.errno in (errno.ELOOP, errno.ENOTDIR)


def test_open_dir_rejects_traversal_components(workspace: Path) -> None:
    fd = open_root(str(workspace))
    try:
        for bad in (["..", "x"], ["a/b"], [""], ["."]):
            with pytest.raises(ValueError, match="not a resolved path component"):
                open_dir(fd, bad)
    finally:
        os.close(fd)
