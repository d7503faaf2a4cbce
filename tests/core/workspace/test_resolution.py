"""Resolution as the kernel's path walk does it: symlinks component by component, `..` after them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vtcode.errors import PathDenied
from vtcode.workspace import Jail


def test_plain_relative_path_resolves_under_root(jail: Jail, workspace: Path) -> None:
    (workspace / "src").mkdir()
    (workspace / "src" / "a.py").write_text("x")
    assert jail.resolve("src/a.py") == workspace / "src" / "a.py"
    assert jail.resolve("./src//./a.py") == workspace / "src" / "a.py"


def test_missing_file_resolves_lexically(jail: Jail, workspace: Path) -> None:
    assert jail.resolve("new/dir/file.txt", write=True) == workspace / "new" / "dir" / "file.txt"


def test_symlink_chain_with_relative_and_absolute_targets(jail: Jail, workspace: Path) -> None:
    (workspace / "real").mkdir()
    (workspace / "real" / "f").write_text("x")
    (workspace / "a").symlink_to("b")  # relative
    (workspace / "b").symlink_to(workspace / "c")  # absolute
    (workspace / "c").symlink_to("real")
    assert jail.resolve("a/f") == workspace / "real" / "f"


def test_dotdot_applies_after_the_link_is_resolved(jail: Jail, workspace: Path) -> None:
    # The Rust vtcode collapsed `link/..` as text first; the kernel goes to the parent of the target.
    (workspace / "deep" / "inner").mkdir(parents=True)
    (workspace / "deep" / "x").write_text("x")
    (workspace / "link").symlink_to("deep/inner")
    assert jail.resolve("link/../x") == workspace / "deep" / "x"


def test_dotdot_after_link_to_outside_escapes_and_is_denied(jail: Jail, workspace: Path,
                                                            outside: Path) -> None:
    (outside / "sub").mkdir()
    (workspace / "link").symlink_to(outside / "sub")
    (workspace / "x").write_text("inside")
    # Textual collapsing would say `x` in the workspace; the kernel opens outside/x.
    with pytest.raises(PathDenied, match="outside the workspace"):
        jail.resolve("link/../x")
    assert jail.check("link/../x").resolved == str(outside / "x")


def test_resolution_matches_the_kernel(jail: Jail, workspace: Path) -> None:
    (workspace / "a" / "b" / "c").mkdir(parents=True)
    (workspace / "a" / "b" / "c" / "f").write_text("x")
    (workspace / "l1").symlink_to("a/b")
    (workspace / "a" / "l2").symlink_to("../l1/c")
    (workspace / "a" / "b" / "up").symlink_to("..")
    for path in ["l1/c/f", "a/l2/f", "a/l2/../c/f", "l1/up/b/c/../c/f", "a/b/up/l2/../../b/c/f"]:
        fd = os.open(f"{workspace}/{path}", os.O_PATH)  # the kernel's own answer
        try:
            kernel = os.readlink(f"/proc/self/fd/{fd}")
        finally:
            os.close(fd)
        assert str(jail.resolve(path)) == kernel, path


def test_symlink_loop_is_denied(jail: Jail, workspace: Path) -> None:
    (workspace / "a").symlink_to("b")
    (workspace / "b").symlink_to("a")
    with pytest.raises(PathDenied, match="too many levels of symbolic links"):
        jail.resolve("a/x")


def test_forty_links_are_followed_and_forty_one_are_not(jail: Jail, workspace: Path) -> None:
    (workspace / "end").write_text("x")
    (workspace / "l0").symlink_to("end")
    for i in range(1, 41):
        (workspace / f"l{i}").symlink_to(f"l{i - 1}")
    assert jail.resolve("l39") == workspace / "end"  # 40 links, the kernel's MAXSYMLINKS
    with pytest.raises(PathDenied, match="more than 40"):
        jail.resolve("l40")
    with pytest.raises(OSError, match="Too many levels"):
        os.stat(workspace / "l40")  # and the kernel agrees


def test_dangling_link_to_missing_file_inside_resolves_to_target(jail: Jail, workspace: Path) -> None:
    (workspace / "dangling").symlink_to("sub/new.txt")
    assert jail.resolve("dangling", write=True) == workspace / "sub" / "new.txt"


def test_dangling_link_pointing_outside_is_denied_for_read_and_write(jail: Jail, workspace: Path,
                                                                    outside: Path) -> None:
    (workspace / "dangling").symlink_to(outside / "not-yet")
    for write in (False, True):
        with pytest.raises(PathDenied, match="outside the workspace"):
            jail.resolve("dangling", write=write)


def test_dangling_chain_resolves_through_every_link(jail: Jail, workspace: Path, outside: Path) -> None:
    (workspace / "a").symlink_to("b")
    (workspace / "b").symlink_to(outside / "missing" / "deeper")
    verdict = jail.check("a", write=True)
    assert not verdict.allowed
    assert verdict.resolved == str(outside / "missing" / "deeper")


def test_dotdot_after_a_missing_component_is_denied(jail: Jail) -> None:
    # open(2) fails with ENOENT there; any answer the jail gave would be a guess.
    with pytest.raises(PathDenied, match="does not exist"):
        jail.resolve("nope/../x")


def test_a_file_used_as_a_directory_is_denied(jail: Jail, workspace: Path) -> None:
    (workspace / "file").write_text("x")
    for path in ("file/x", "file/..", "file/"):
        with pytest.raises(PathDenied, match="not a directory"):
            jail.resolve(path)


def test_prefix_sibling_is_not_inside(jail: Jail, workspace: Path) -> None:
    evil = workspace.parent / (workspace.name + "-evil")
    evil.mkdir()
    (evil / "x").write_text("x")
    for path in (str(evil / "x"), f"../{evil.name}/x"):
        with pytest.raises(PathDenied, match="outside the workspace"):
            jail.resolve(path)


def test_absolute_path_inside_root_and_dotdot_out_and_back(jail: Jail, workspace: Path) -> None:
    (workspace / "f").write_text("x")
    assert jail.resolve(str(workspace / "f")) == workspace / "f"
    assert jail.resolve(f"../{workspace.name}/f") == workspace / "f"
    with pytest.raises(PathDenied, match="outside"):
        jail.resolve(f"{workspace}/../x")


def test_root_is_readable_but_not_a_write_target(jail: Jail, workspace: Path) -> None:
    assert jail.resolve(".") == workspace
    assert jail.resolve(str(workspace)) == workspace
    with pytest.raises(PathDenied, match="workspace root"):
        jail.resolve(".", write=True)


def test_relative_paths_follow_cwd_which_must_be_inside(jail: Jail, workspace: Path, outside: Path) -> None:
    (workspace / "sub").mkdir()
    (workspace / "other").mkdir()
    assert jail.resolve("x", cwd=workspace / "sub") == workspace / "sub" / "x"
    assert jail.resolve("../other/x", cwd="sub") == workspace / "other" / "x"
    with pytest.raises(PathDenied, match="working directory"):
        jail.resolve("x", cwd=outside)


def test_cwd_through_a_symlink_out_is_refused(jail: Jail, workspace: Path, outside: Path) -> None:
    (workspace / "out").symlink_to(outside)
    with pytest.raises(PathDenied, match="working directory"):
        jail.resolve("secret.txt", cwd=workspace / "out")


def test_symlink_out_and_back_in_is_inside(jail: Jail, workspace: Path, outside: Path) -> None:
    (workspace / "f").write_text("x")
    (outside / "back").symlink_to(workspace / "f")
    (workspace / "via").symlink_to(outside / "back")
    assert jail.resolve("via") == workspace / "f"


def test_jail_requires_a_resolved_absolute_root(tmp_path: Path) -> None:
    from vtcode.errors import WorkspaceError

    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to("real")
    with pytest.raises(WorkspaceError):
        Jail(tmp_path / "alias")
    with pytest.raises(WorkspaceError):
        Jail(Path("relative"))


def test_doubled_slash_after_the_root_stays_inside(jail: Jail, workspace: Path) -> None:
    assert jail.resolve(f"{workspace}//etc/passwd", write=True) == workspace / "etc" / "passwd"
