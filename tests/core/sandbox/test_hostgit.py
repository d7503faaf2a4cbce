"""The user's git configuration and credential-store links, as both sandbox backends see them."""

from __future__ import annotations

import os
from pathlib import Path

from vtcode.sandbox.hostgit import host_git_paths
from vtcode.sandbox.storelinks import linked_from_stores


def test_includes_are_followed_relative_to_their_file_and_config_dirs_are_listed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "dots").mkdir(parents=True)
    (home / ".gitconfig").write_text("[include]\n\tpath = dots/extra\n[core]\n\thooksPath = ~/.githooks\n")
    (home / "dots" / "extra").write_text("[includeIf \"gitdir:~/w/\"]\n\tpath = ../work.inc\n")
    found = host_git_paths(str(home), {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}, system_configs=())
    assert str(home / "dots" / "extra") in found
    assert str(home / "work.inc") in found  # an include of an include, relative to its own file
    assert str(home / ".githooks") in found
    assert {str(tmp_path / "xdg" / "git"), str(home / ".config" / "git")} <= set(found)


def test_a_hooks_dir_holding_the_workspace_is_guarded_by_hook_names(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[core]\n\thooksPath = ~\n")
    found = host_git_paths(str(home), {}, keep_writable=(str(home),), system_configs=())
    assert str(home) not in found and str(home / "pre-commit") in found


def test_links_inside_a_store_lead_to_secrets_but_never_to_the_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = home / ".aws"
    store.mkdir(parents=True)
    (tmp_path / "dots").mkdir()
    (tmp_path / "dots" / "cred").write_text("x")
    (store / "credentials").symlink_to(tmp_path / "dots" / "cred")
    (store / "home").symlink_to(home)  # hiding this target would hide the whole home
    (store / "root").symlink_to("/")
    found = linked_from_stores([str(store), str(home / ".ssh")], keep_clear=(str(home), "/"))
    assert found == [os.path.realpath(tmp_path / "dots" / "cred")]
