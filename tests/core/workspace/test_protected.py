"""Protected paths: inside the workspace, readable, never writable by the agent, however reached."""

from __future__ import annotations

from pathlib import Path

import pytest

from vtcode.errors import PathDenied
from vtcode.workspace import TRUST_MARKER, Jail

PROTECTED = [
    TRUST_MARKER,
    "vtcode.toml",
    ".vtcode",
    ".vtcode/tool-policy.json",
    ".vtcode/deep/er/x",
    ".git",
    ".git/config",
    ".git/hooks/pre-commit",
    ".git/hooks",
    ".git/info/attributes",
    ".git/info/exclude",
    ".git/objects/ab/cdef",
    ".git/refs/heads/main",
    ".git/HEAD",
    "vendor/lib/.git/hooks/post-checkout",  # a nested repository
    "vendor/lib/.git",  # a gitdir pointer file
    ".git/modules/sub/hooks/pre-commit",  # a submodule's git dir
    ".git/modules/sub/config",
    ".git/modules/a/b/hooks/x",  # submodule names may contain slashes
    ".git/worktrees/w/config.worktree",
    ".bashrc",
    "scripts/.zshrc",
    "deep/dir/.envrc",
    ".profile",
    ".bash_profile",
    ".bash_login",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".inputrc",
]


@pytest.mark.parametrize("path", PROTECTED)
def test_protected_paths_are_not_writable(jail: Jail, path: str) -> None:
    verdict = jail.check(path, write=True)
    assert not verdict.allowed
    assert verdict.protected
    with pytest.raises(PathDenied):
        jail.resolve(path, write=True)


@pytest.mark.parametrize("path", PROTECTED)
def test_protected_paths_are_readable(jail: Jail, workspace: Path, path: str) -> None:
    assert jail.resolve(path) == workspace / path


@pytest.mark.parametrize("path", [".GIT/hooks/pre-commit", ".Git/config", ".git./config", "GIT~1/config",
                                  ".g\u200cit/hooks/x", "VTCODE.TOML", ".VTCode/x", ".BashRC"])
def test_case_and_hfs_ntfs_spellings_are_protected(jail: Jail, path: str) -> None:
    # The same entry on macOS, Windows shares or ext4 casefold directories (the CVE-2014-9390 class).
    assert jail.check(path, write=True).protected


@pytest.mark.parametrize("path", ["sub/vtcode.toml", "sub/.vt-workspace-trust", "gitconfig", "my.git/x",
                                  ".github/workflows/ci.yml", ".gitignore", "hooks/pre-commit", "bashrc"])
def test_look_alikes_elsewhere_are_writable(jail: Jail, path: str) -> None:
    assert jail.check(path, write=True).allowed


def test_innocent_symlink_to_a_hook_is_denied(jail: Jail, workspace: Path) -> None:
    (workspace / ".git" / "hooks").mkdir(parents=True)
    (workspace / "notes.txt").symlink_to(".git/hooks/pre-commit")
    with pytest.raises(PathDenied, match=r"resolves to .*\.git/hooks/pre-commit.*git hook"):
        jail.resolve("notes.txt", write=True)


def test_innocent_directory_link_into_git_is_denied(jail: Jail, workspace: Path) -> None:
    (workspace / ".git").mkdir()
    (workspace / "cfg").symlink_to(".git")
    assert jail.check("cfg/config", write=True).protected


def test_target_of_a_symlinked_root_anchor_is_protected(jail: Jail, workspace: Path) -> None:
    # vtcode.toml -> conf/vtcode.toml: writing the target changes the workspace config all the same.
    (workspace / "conf").mkdir()
    (workspace / "conf" / "vtcode.toml").write_text("")
    (workspace / "vtcode.toml").symlink_to("conf/vtcode.toml")
    (workspace / "policy").mkdir()
    (workspace / ".vtcode").symlink_to("policy")
    verdict = jail.check("conf/vtcode.toml", write=True)
    assert verdict.protected and "symlink vtcode.toml" in verdict.reason
    assert jail.check("policy/tool-policy.json", write=True).protected
    assert jail.check("conf/other.toml", write=True).allowed


def test_is_protected_takes_resolved_paths(jail: Jail, workspace: Path, outside: Path) -> None:
    assert jail.is_protected(workspace / ".git" / "hooks" / "x") is not None
    assert jail.is_protected(workspace / "src" / "x.py") is None
    assert jail.is_protected(outside / ".git" / "config") is None  # not ours to judge: outside


def test_home_git_config_is_protected_when_the_workspace_holds_home(tmp_path: Path) -> None:
    root = (tmp_path / "h").resolve()
    root.mkdir()
    jail = Jail(root, home=root)
    assert jail.check("~/.gitconfig", write=True).protected
    assert jail.check("~/.config/git/config", write=True).protected
    assert jail.check("~/project/notes.md", write=True).allowed


def test_vtcode_state_inside_the_workspace_is_protected(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root = (tmp_path / "w").resolve()
    (root / "cfg").mkdir(parents=True)
    monkeypatch.setenv("VTCODE_CONFIG_DIR", str(root / "cfg"))
    jail = Jail(root, home=tmp_path / "home")
    assert "vtcode keeps its own" in jail.check("cfg/approvals.json", write=True).reason
    assert jail.check("cfg/trust.key").secret  # and the trust key is not even readable


def test_file_anchor_linked_to_the_root_does_not_lock_the_workspace(jail: Jail, workspace: Path) -> None:
    (workspace / ".profile").symlink_to(".")
    assert jail.check("src/main.py", write=True).allowed


def test_directory_anchor_linked_to_the_root_protects_everything(jail: Jail, workspace: Path) -> None:
    # `.vtcode -> .` makes every file a .vtcode file; failing closed is the only honest answer.
    (workspace / ".vtcode").symlink_to(".")
    verdict = jail.check("tool-policy.json", write=True)
    assert verdict.protected and ".vtcode" in verdict.reason
