"""read_bytes: regular files inside the root, opened with the kernel refusing symlinks on the way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vtcode.errors import PathDenied
from vtcode.workspace import Jail

pytestmark = pytest.mark.usefixtures("io_mode")


def test_reads_a_file(jail: Jail, workspace: Path) -> None:
    (workspace / "d").mkdir()
    (workspace / "d" / "f.txt").write_bytes(b"hello\x00world")
    assert jail.read_bytes("d/f.txt") == b"hello\x00world"


def test_limit_caps_the_bytes_read(jail: Jail, workspace: Path) -> None:
    (workspace / "big").write_bytes(b"x" * 3_000_000)
    assert jail.read_bytes("big", limit=10) == b"x" * 10
    assert len(jail.read_bytes("big")) == 3_000_000
    assert jail.read_bytes("big", limit=0) == b""
    with pytest.raises(ValueError, match="limit"):
        jail.read_bytes("big", limit=-1)


def test_reads_through_a_symlink_that_stays_inside(jail: Jail, workspace: Path) -> None:
    (workspace / "real.txt").write_text("real")
    (workspace / "alias").symlink_to("real.txt")
    assert jail.read_bytes("alias") == b"real"


def test_symlink_to_outside_is_refused(jail: Jail, workspace: Path, outside: Path) -> None:
    (workspace / "leak").symlink_to(outside / "secret.txt")
    with pytest.raises(PathDenied, match="outside the workspace"):
        jail.read_bytes("leak")


def test_fifo_is_refused_without_hanging(jail: Jail, workspace: Path) -> None:
    os.mkfifo(workspace / "pipe")
    with pytest.raises(PathDenied, match="not a regular file"):
        jail.read_bytes("pipe")


def test_directory_and_missing_file_are_os_errors(jail: Jail, workspace: Path) -> None:
    (workspace / "dir").mkdir()
    with pytest.raises(IsADirectoryError):
        jail.read_bytes("dir")
    with pytest.raises(IsADirectoryError):
        jail.read_bytes(".")
    with pytest.raises(FileNotFoundError, match=r"nope\.txt"):
        jail.read_bytes("nope.txt")


def test_reads_relative_to_cwd(jail: Jail, workspace: Path) -> None:
    (workspace / "sub").mkdir()
    (workspace / "sub" / "f").write_text("in sub")
    assert jail.read_bytes("f", cwd=workspace / "sub") == b"in sub"


def test_read_resolved_refuses_paths_the_jail_did_not_make(jail: Jail, workspace: Path,
                                                           outside: Path) -> None:
    for forged in (outside / "secret.txt", Path(f"{workspace}/../outside/secret.txt"), Path("rel.txt")):
        with pytest.raises(PathDenied, match="not a resolved path inside the workspace"):
            jail.read_resolved(forged)
