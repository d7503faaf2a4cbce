"""Refused before any lookup: malformed paths and /proc magic links; and magic links met on the way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vtcode.errors import PathDenied
from vtcode.workspace import Jail


def test_empty_path_is_refused(jail: Jail) -> None:
    with pytest.raises(PathDenied, match="is empty"):
        jail.resolve("")


def test_nul_byte_is_refused(jail: Jail) -> None:
    # The C layer would stop at the NUL and open something else than what was judged.
    with pytest.raises(PathDenied, match="NUL"):
        jail.resolve("ok.txt\0/../../etc/passwd")


def test_path_max_is_enforced(jail: Jail) -> None:
    long = "/".join(["d" * 200] * 21)  # 4220 bytes
    with pytest.raises(PathDenied, match="PATH_MAX"):
        jail.resolve(long)


def test_name_max_is_enforced(jail: Jail) -> None:
    with pytest.raises(PathDenied, match="NAME_MAX"):
        jail.resolve("x" * 256)
    assert jail.check("x" * 255, write=True).allowed


@pytest.mark.parametrize(
    "path",
    ["/proc/self/root/etc/passwd", "/proc/1/cwd", "/proc/self/exe", "/proc/self/fd/0", "/proc/self/fd",
     "/proc/thread-self/root", "/proc/123/map_files/1-2", "/proc/self/fdinfo/3", "/proc/self/ns/net",
     "/proc/1/task/1/root/x", "/dev/fd/3", "/dev/stdin", "//proc/./self/root"],
)
def test_proc_magic_links_are_refused_by_spelling(jail: Jail, path: str) -> None:
    verdict = jail.check(path)
    assert not verdict.allowed
    assert "magic link" in verdict.reason
    assert verdict.resolved is None


def test_magic_link_reached_through_a_workspace_symlink_is_refused(jail: Jail, workspace: Path) -> None:
    (workspace / "door").symlink_to("/proc/self/root")
    with pytest.raises(PathDenied, match="magic link"):
        jail.resolve("door/etc/passwd")


def test_magic_link_reached_by_dotdot_games_is_refused(jail: Jail) -> None:
    # The spelling check sees `..` at position 2; the walk still meets /proc/<pid>/cwd as a magic link.
    with pytest.raises(PathDenied, match="magic link"):
        jail.resolve("/proc/self/../self/cwd/x")


def test_fd_of_an_open_workspace_file_is_refused(jail: Jail, workspace: Path) -> None:
    (workspace / "f").write_text("x")
    fd = os.open(workspace / "f", os.O_RDONLY)
    try:
        (workspace / "fdlink").symlink_to(f"/proc/self/fd/{fd}")
        with pytest.raises(PathDenied, match="magic link"):
            jail.resolve("fdlink")
    finally:
        os.close(fd)


def test_plain_proc_files_are_only_outside(jail: Jail) -> None:
    verdict = jail.check("/proc/self/status")
    assert not verdict.allowed
    assert "outside the workspace" in verdict.reason


def test_message_is_one_line_and_names_the_path(jail: Jail) -> None:
    with pytest.raises(PathDenied) as caught:
        jail.resolve("../evil\nline")
    message = str(caught.value)
    assert "\n" not in message
    assert "'../evil\\nline'" in message
    assert caught.value.path == "../evil\nline"
    assert "outside the workspace" in caught.value.reason
