"""Grant planning around hidden paths: pure functions over a real temporary tree."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from vtcode_landlock.grants import Grant, paths_excluding, plan_grants

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox and its tests are Linux-only")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = tmp_path / "home"
    for rel in (".ssh/id_rsa", ".bashrc", ".config/gh/hosts.yml", ".config/git/config",
                ".config/nvim/init.lua", ".cache/pip/x", "code/project/main.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x")
    return root.resolve()


def test_grants_siblings_along_the_path_to_each_secret(home: Path) -> None:
    got = paths_excluding(str(home), [f"{home}/.ssh", f"{home}/.config/gh"])
    assert got == [f"{home}/.bashrc", f"{home}/.cache", f"{home}/.config/git", f"{home}/.config/nvim",
                   f"{home}/code"]


def test_tree_without_secrets_is_granted_whole(home: Path) -> None:
    assert paths_excluding(f"{home}/code", [f"{home}/.ssh"]) == [f"{home}/code"]


def test_tree_inside_or_equal_to_a_secret_is_not_granted(home: Path) -> None:
    assert paths_excluding(f"{home}/.ssh", [f"{home}/.ssh"]) == []
    assert paths_excluding(f"{home}/.config/gh", [f"{home}/.config"]) == []


def test_symlink_children_are_never_granted(home: Path) -> None:
    # Opening ~/keys to add a rule would follow it and grant ~/.ssh itself.
    (home / "keys").symlink_to(home / ".ssh")
    got = paths_excluding(str(home), [f"{home}/.ssh"])
    assert f"{home}/keys" not in got


def test_hidden_symlink_target_is_hidden_too(home: Path, tmp_path: Path) -> None:
    # ~/.aws -> /elsewhere/aws: hiding ~/.aws must also keep /elsewhere/aws out of a grant of /elsewhere.
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "aws").mkdir(parents=True)
    (elsewhere / "public").mkdir()
    (home / ".aws").symlink_to(elsewhere / "aws")
    plan = plan_grants([Grant(str(elsewhere), 1)], [f"{home}/.aws"])
    assert [g.path for g in plan.grants] == [f"{elsewhere.resolve()}/public"]


def test_plan_resolves_merges_and_skips_missing(home: Path, tmp_path: Path) -> None:
    link = tmp_path / "code-link"
    link.symlink_to(home / "code")
    plan = plan_grants([Grant(str(link), 1), Grant(f"{home}/code", 2), Grant(f"{home}/missing", 4)], [])
    assert plan.grants == (Grant(f"{home}/code", 3),)
    assert plan.skipped == (f"{home}/missing",)


def test_unlistable_tree_holding_a_secret_is_not_granted(home: Path) -> None:
    def unlistable(directory: str) -> list[tuple[str, bool]]:
        raise PermissionError(13, "denied", directory)

    plan = plan_grants([Grant(str(home), 1)], [f"{home}/.ssh"], unlistable)
    assert plan.grants == ()
    assert plan.skipped == (str(home),)


def test_expansion_of_a_large_directory_stays_exact(home: Path) -> None:
    for i in range(50):
        (home / f"f{i}").write_text("x")
    got = paths_excluding(str(home), [f"{home}/.ssh"])
    assert len(got) == len(os.listdir(home)) - 1


def test_a_toolchain_that_keeps_its_state_under_home_is_found_with_home_replaced(tmp_path: Path) -> None:
    # rustup's proxies in ~/.cargo/bin read toolchains from ~/.rustup; pyenv's shims read ~/.pyenv. With
    # HOME the sandbox's temp dir, the child is told where they are, and ~/.rustup is granted for reading.
    from vtcode_landlock.toolchains import toolchain_homes

    home = tmp_path / "home"
    for rel in (".cargo/bin", ".rustup/toolchains", ".pyenv/shims", ".nvm", ".ssh"):
        (home / rel).mkdir(parents=True)
    path = f"/usr/bin:{home}/.cargo/bin:{home}/.pyenv/shims"
    env, roots = toolchain_homes(path, home=str(home))
    assert env == {"CARGO_HOME": str(home / ".cargo"), "RUSTUP_HOME": str(home / ".rustup"),
                   "PYENV_ROOT": str(home / ".pyenv")}
    assert roots == (str(home / ".rustup"),)  # nothing PATH does not point into: not .nvm, never .ssh
    assert toolchain_homes("/usr/bin", home=str(home)) == ({}, ())
