"""The git guard's scan and lists, on real repositories made with git (the kernel side is exercised in
tests/security/test_sandbox_escapes.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from vtcode.sandbox import gitguard


def _init(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)


def test_the_remembered_scan_still_sees_a_repository_planted_in_an_unchanged_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Directories are remembered by (inode, mtime, ctime); planting a .git changes its parent's.
    monkeypatch.setattr(gitguard, "_RACY_NS", -1)  # remember everything, however recent
    _init(tmp_path / "ws")
    (tmp_path / "ws" / "src" / "deep").mkdir(parents=True)
    first = gitguard.find_git_entries(str(tmp_path / "ws"))
    assert [e.path for e in first] == [str(tmp_path / "ws" / ".git")]
    _init(tmp_path / "ws" / "src" / "deep")
    (tmp_path / "ws" / "src" / "ptr").mkdir()
    (tmp_path / "ws" / "src" / "ptr" / ".git").write_text("gitdir: ../deep/.git\n")
    again = {(e.path, e.is_dir) for e in gitguard.find_git_entries(str(tmp_path / "ws"))}
    assert again == {(str(tmp_path / "ws" / ".git"), True), (str(tmp_path / "ws/src/deep/.git"), True),
                     (str(tmp_path / "ws/src/ptr/.git"), False)}


def test_a_recently_changed_directory_is_never_remembered(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    gitguard.find_git_entries(str(tmp_path / "ws"))
    assert str(tmp_path / "ws") not in gitguard._LISTINGS  # changed within the racy window


def test_the_git_dir_is_guarded_except_what_git_writes(tmp_path: Path) -> None:
    _init(tmp_path / "ws")
    gitdir = tmp_path / "ws" / ".git"
    paths = set(gitguard.gitdir_protection(str(gitdir)))
    for name in ("config", "description"):
        assert str(gitdir / name) in paths
    for name in ("hooks", "info"):
        assert str(gitdir / name) + "/" in paths
    for name in ("commondir", "config.worktree", "gitdir", "modules", "worktrees"):  # watched if created
        assert str(gitdir / name) in paths
    for name in ("objects", "refs", "HEAD", "index"):
        assert not any(p.rstrip("/") == str(gitdir / name) for p in paths)


def test_paths_the_config_points_at_inside_the_workspace_are_guarded(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _init(ws)
    (ws / ".husky").mkdir()
    (ws / "tools").mkdir()
    (ws / "tools" / "monitor.sh").write_text("#!/bin/sh\n")
    (ws / "extra.gitconfig").write_text("[alias]\n\tx = !./tools/x.sh\n")
    with open(ws / ".git" / "config", "a") as f:
        f.write('[core]\n\thooksPath = .husky\n\tfsmonitor = "./tools/monitor.sh --flag"\n'
                "[include]\n\tpath = ../extra.gitconfig\n[diff]\n\texternal = difftool\n")
    paths, _ = gitguard.repository_protection(str(ws), str(tmp_path / "home"))
    assert str(ws / ".husky") + "/" in paths
    assert str(ws / "tools" / "monitor.sh") in paths
    assert str(ws / "extra.gitconfig") in paths and str(ws / "tools" / "x.sh") in paths
    assert not any("difftool" in p for p in paths)  # a bare program name is found on PATH, not here


def test_a_repository_made_at_the_root_is_rebuilt_from_inert_keys(tmp_path: Path) -> None:
    # git init where there was no repository: kept, but nothing in it may run code later. The config is
    # read by git's own parser (a key on the header line counts), hooks keep git's samples only.
    from vtcode.sandbox.gitcontain import contain

    root = tmp_path / "ws"
    root.mkdir()
    _init(root)
    gitdir = root / ".git"
    (gitdir / "hooks" / "pre-commit").write_text("#!/bin/sh\ntouch /tmp/x\n")
    with open(gitdir / "config", "a") as f:
        f.write('[core] fsmonitor = "touch /tmp/x"\n[user]\n\tname = kept\n[filter "x"]\n\tclean = evil\n')
    (gitdir / "commondir").write_text("../../elsewhere\n")
    changes = contain(str(root), (), {})
    config = (gitdir / "config").read_text()
    assert "fsmonitor" not in config and "filter" not in config and "kept" in config
    assert not (gitdir / "hooks" / "pre-commit").exists() and not (gitdir / "commondir").exists()
    assert any(p.endswith(".sample") for p in os.listdir(gitdir / "hooks"))
    assert any(path == str(gitdir / "config") for path, _ in changes)
    done = subprocess.run(["git", "-C", str(root), "status"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr  # still a working repository


def test_a_repository_planted_below_the_root_is_quarantined_unread(tmp_path: Path) -> None:
    from vtcode.sandbox.gitcontain import QUARANTINE_SUFFIX, contain

    root = tmp_path / "ws"
    _init(root)
    before = gitguard.find_git_entries(str(root))
    names = gitguard.gitdir_listing(before, str(root))
    _init(root / "sub")
    os.mkfifo(root / "fifo-dir-git")  # not named .git: ignored
    (root / "f").mkdir()
    os.mkfifo(root / "f" / ".git")  # would block whoever opens it
    (root / "l").mkdir()
    os.symlink(str(tmp_path), root / "l" / ".git")
    changes = dict(contain(str(root), tuple(before), names))
    for name in ("sub/.git", "f/.git", "l/.git"):
        assert not os.path.lexists(root / name) and os.path.lexists(str(root / name) + QUARANTINE_SUFFIX)
        assert str(root / name) in changes
