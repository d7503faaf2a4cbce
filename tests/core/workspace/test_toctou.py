"""Check-then-use races: whatever changes after `resolve`, the open refuses it; nothing lands outside.

Swaps are real renames and symlinks between the check and the use, and, last, a thread exchanging a
directory and a symlink with renameat2(RENAME_EXCHANGE) while writes run, on both I/O paths.
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from pathlib import Path

import pytest

from vtcode.errors import PathDenied
from vtcode.workspace import Jail

pytestmark = pytest.mark.usefixtures("io_mode")


def _swap_dir_for_link(directory: Path, target: Path) -> None:
    directory.rename(directory.with_name(directory.name + ".moved"))
    directory.symlink_to(target)


def test_directory_swapped_after_resolve_fails_the_write(jail: Jail, workspace: Path, outside: Path) -> None:
    (workspace / "sub").mkdir()
    resolved = jail.resolve("sub/f.txt", write=True)
    _swap_dir_for_link(workspace / "sub", outside)
    with pytest.raises(PathDenied, match="changed after it was checked"):
        jail.write_resolved(resolved, b"pwned")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_write_atomic_after_the_swap_is_judged_again(jail: Jail, workspace: Path, outside: Path) -> None:
    (workspace / "sub").mkdir()
    jail.resolve("sub/f.txt", write=True)
    _swap_dir_for_link(workspace / "sub", outside)
    with pytest.raises(PathDenied, match="outside the workspace"):
        jail.write_atomic("sub/f.txt", b"pwned")
    assert not (outside / "f.txt").exists()


def test_deep_parent_swapped_fails_the_write(jail: Jail, workspace: Path, outside: Path) -> None:
    (workspace / "a" / "b").mkdir(parents=True)
    (outside / "b").mkdir()
    resolved = jail.resolve("a/b/f.txt", write=True)
    _swap_dir_for_link(workspace / "a", outside)
    with pytest.raises(PathDenied, match="changed after it was checked"):
        jail.write_resolved(resolved, b"pwned")
    assert list((outside / "b").iterdir()) == []


def test_file_swapped_for_a_link_after_resolve_fails_the_read(jail: Jail, workspace: Path,
                                                             outside: Path) -> None:
    (workspace / "f.txt").write_text("mine")
    resolved = jail.resolve("f.txt")
    (workspace / "f.txt").unlink()
    (workspace / "f.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(PathDenied, match="changed after it was checked"):
        jail.read_resolved(resolved)


def test_final_name_swapped_for_a_link_is_replaced_not_followed(jail: Jail, workspace: Path,
                                                               outside: Path) -> None:
    (workspace / "f.txt").write_text("mine")
    resolved = jail.resolve("f.txt", write=True)
    (workspace / "f.txt").unlink()
    (workspace / "f.txt").symlink_to(outside / "secret.txt")
    jail.write_resolved(resolved, b"new")
    assert not (workspace / "f.txt").is_symlink()
    assert (workspace / "f.txt").read_bytes() == b"new"
    assert (outside / "secret.txt").read_text() == "outside\n"


def test_parent_created_as_a_link_during_parent_creation_is_refused(jail: Jail, workspace: Path,
                                                                   outside: Path) -> None:
    resolved = jail.resolve("new/f.txt", write=True)  # `new` does not exist yet
    (workspace / "new").symlink_to(outside)  # ... and appears as a link before the write
    with pytest.raises(PathDenied, match="changed after it was checked"):
        jail.write_resolved(resolved, b"pwned")
    assert not (outside / "f.txt").exists()


def test_target_becoming_protected_is_refused_before_the_rename(jail: Jail, workspace: Path) -> None:
    # A root anchor symlinked to the target after the check: the re-check at rename time catches it.
    (workspace / "conf.toml").write_text("old")
    resolved = jail.resolve("conf.toml", write=True)
    (workspace / "vtcode.toml").symlink_to("conf.toml")
    with pytest.raises(PathDenied, match=r"symlink vtcode\.toml"):
        jail.write_resolved(resolved, b"loosened = true")
    assert (workspace / "conf.toml").read_text() == "old"


def test_workspace_root_swapped_is_refused(tmp_path: Path, outside: Path, home: Path) -> None:
    root = tmp_path / "ws2"
    root.mkdir()
    jail = Jail(root.resolve(), home=home)
    root.rename(tmp_path / "ws2.moved")
    root.symlink_to(outside)
    with pytest.raises(PathDenied, match="changed after it was checked"):
        jail.write_resolved(root / "f.txt", b"pwned")
    assert not (outside / "f.txt").exists()


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        raise OSError(ctypes.get_errno(), "renameat2")


def test_concurrent_dir_and_link_exchange_never_writes_outside(jail: Jail, workspace: Path,
                                                              outside: Path) -> None:
    (workspace / "sub").mkdir()
    (workspace / "evil").symlink_to(outside)
    stop = threading.Event()

    def flipper() -> None:
        while not stop.is_set():
            _exchange(workspace / "sub", workspace / "evil")
            time.sleep(0)  # hand the GIL back so the writer runs between (and during) the flips

    thread = threading.Thread(target=flipper, daemon=True)
    thread.start()
    raced = 0  # refusals by the kernel layer: the swap came after `resolve` had judged the path
    try:
        for index in range(5000):
            try:
                jail.write_atomic(f"sub/f{index}.txt", b"x")
            except PathDenied as denied:
                raced += "changed after it was checked" in denied.reason
            except FileNotFoundError:
                pass
            if index >= 300 and raced:
                break
    finally:
        stop.set()
        thread.join()
    assert raced, "the flipper never hit the window between check and use"
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    real = workspace / "sub" if (workspace / "sub").is_dir() and not (workspace / "sub").is_symlink() \
        else workspace / "evil"
    assert all(not p.name.endswith(".vtcode-tmp") for p in real.iterdir())
