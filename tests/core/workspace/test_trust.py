"""Trust is bound to more than the path: the directory, a nonce in the user's state and the marker file
itself; and the marker stays out of commits. Real directories, real git."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from vtcode.workspace import TRUST_MARKER, check_trust, revoke_trust, write_trust

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "-c", "init.defaultBranch=main"]


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_a_trusted_directory_stays_trusted(workspace: Path) -> None:
    write_trust(workspace)
    (workspace / "new.txt").write_text("x")
    assert check_trust(workspace).trusted
    assert check_trust(workspace).trusted


def test_other_content_moved_to_the_same_path_is_not_trusted(workspace: Path, tmp_path: Path) -> None:
    write_trust(workspace)
    marker = (workspace / TRUST_MARKER).read_bytes()
    workspace.rename(tmp_path / "moved-away")
    workspace.mkdir()
    (workspace / TRUST_MARKER).write_bytes(marker)  # the very marker, byte for byte, at the very path
    state = check_trust(workspace)
    assert not state.trusted and "vtcode trust" in state.reason


def test_a_replaced_marker_file_is_not_trusted(workspace: Path) -> None:
    write_trust(workspace)
    marker = workspace / TRUST_MARKER
    content = marker.read_bytes()
    marker.unlink()
    marker.write_bytes(content)  # same bytes, another file: what a checkout or an extraction writes
    assert not check_trust(workspace).trusted


def test_a_committed_marker_does_not_verify_after_a_reclone(tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    origin.mkdir()
    _git(origin, "init", "-q", "--bare")
    clone = tmp_path / "work"
    _git(tmp_path, "clone", "-q", str(origin), str(clone))
    clone = clone.resolve()
    (clone / "a.txt").write_text("a\n")
    _git(clone, "add", "a.txt")
    write_trust(clone)
    _git(clone, "add", "-f", TRUST_MARKER)  # forced past the exclusion: the user really commits it
    _git(clone, "commit", "-qm", "oops")
    _git(clone, "push", "-q", "origin", "HEAD:refs/heads/main")
    shutil.rmtree(clone)
    _git(tmp_path, "clone", "-q", "-b", "main", str(origin), str(clone))
    assert (clone / TRUST_MARKER).exists()
    assert not check_trust(clone).trusted


def test_trust_keeps_the_marker_out_of_commits(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    write_trust(repo.resolve())
    assert f"/{TRUST_MARKER}" in (repo / ".git" / "info" / "exclude").read_text().splitlines()
    assert _git(repo, "status", "--porcelain") == ""
    _git(repo, "add", ".")
    assert TRUST_MARKER not in _git(repo, "diff", "--cached", "--name-only")
    write_trust(repo.resolve())  # once only
    assert (repo / ".git" / "info" / "exclude").read_text().count(TRUST_MARKER) == 1


def test_trust_excludes_the_marker_in_a_worktree_too(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "a.txt").write_text("a\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "a")
    tree = tmp_path / "tree"
    _git(repo, "worktree", "add", "-q", str(tree))
    write_trust(tree.resolve())
    assert check_trust(tree.resolve()).trusted
    assert _git(tree, "status", "--porcelain") == ""


def test_revoke_forgets_the_nonce(workspace: Path) -> None:
    write_trust(workspace)
    content = (workspace / TRUST_MARKER).read_bytes()
    assert revoke_trust(workspace)
    (workspace / TRUST_MARKER).write_bytes(content)
    assert not check_trust(workspace).trusted


@pytest.mark.parametrize("content", [b"vtcode-trust/1 " + b"0" * 64 + b"\n", b"garbage\n", b""])
def test_old_or_malformed_markers_do_not_verify(workspace: Path, content: bytes) -> None:
    write_trust(workspace)
    (workspace / TRUST_MARKER).write_bytes(content)
    assert not check_trust(workspace).trusted


@pytest.mark.parametrize("package", ["pkg", "packages/a b", "pkg[1]*"])
def test_trust_in_a_subdirectory_excludes_the_marker_in_the_enclosing_repository(
    tmp_path: Path, package: str
) -> None:
    """A package of a monorepo: the repository's top is above the trusted directory."""
    repo = tmp_path / "repo"
    (repo / package).mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / package / "a.txt").write_text("a\n")
    write_trust((repo / package).resolve())
    _git(repo, "add", "-A")
    staged = _git(repo, "diff", "--cached", "--name-only")
    assert "a.txt" in staged
    assert TRUST_MARKER not in staged
    write_trust((repo / package).resolve())  # once only
    assert (repo / ".git" / "info" / "exclude").read_text().count(TRUST_MARKER) == 1
