"""Credential stores: denied outright with a reason, wherever they are and however they are reached."""

from __future__ import annotations

from pathlib import Path

import pytest

from vtcode.errors import PathDenied
from vtcode.workspace import Jail, is_secret_path


@pytest.mark.parametrize(
    "rel", [".ssh", ".ssh/id_ed25519", ".aws/credentials", ".gnupg/private-keys-v1.d/x",
            ".config/gh/hosts.yml", ".netrc", ".docker/config.json", ".kube/config", ".git-credentials",
            ".config/gcloud/x"],
)
def test_home_secrets(home: Path, rel: str) -> None:
    reason = is_secret_path(home / rel, home=home)
    assert reason is not None and "credential store" in reason


@pytest.mark.parametrize("path", ["/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d/90-x",
                                  "/etc/ssh/ssh_host_ed25519_key", "/proc/self/environ",
                                  "/proc/1/task/1/environ", "/root/.ssh/id_rsa", "/home/bob/.aws/config"])
def test_system_and_other_users_secrets(home: Path, path: str) -> None:
    assert is_secret_path(path, home=home) is not None


@pytest.mark.parametrize("path", ["/etc/passwd", "/etc/ssh/ssh_host_ed25519_key.pub", "/home/bob/src/x.py",
                                  "/docker/config.json", "/proc/self/status"])
def test_not_secrets(home: Path, path: str) -> None:
    assert is_secret_path(path, home=home) is None


def test_home_secret_through_the_home_symlink_spelling(tmp_path: Path) -> None:
    (tmp_path / "real-home" / ".ssh").mkdir(parents=True)
    (tmp_path / "home-link").symlink_to("real-home")
    assert is_secret_path(tmp_path / "real-home" / ".ssh" / "id_rsa", home=tmp_path / "home-link")


def test_check_marks_secrets_outside_the_workspace(jail: Jail, home: Path) -> None:
    verdict = jail.check("~/.ssh/id_rsa")
    assert not verdict.allowed and verdict.secret
    assert "~/.ssh" in verdict.reason
    assert jail.check_path("/etc/shadow", write=False).secret


def test_workspace_link_to_a_secret_is_a_secret(jail: Jail, workspace: Path, home: Path) -> None:
    (home / ".ssh").mkdir()
    (workspace / "keys").symlink_to(home / ".ssh")
    assert jail.check("keys/id_rsa").secret


def test_secret_dir_that_is_itself_a_link_is_caught_by_its_spelling(jail: Jail, home: Path,
                                                                    tmp_path: Path) -> None:
    (tmp_path / "vault").mkdir()
    (home / ".ssh").symlink_to(tmp_path / "vault")
    verdict = jail.check("~/.ssh/id_rsa")
    assert verdict.secret
    assert verdict.resolved == str(tmp_path / "vault" / "id_rsa")


def test_home_workspace_does_not_expose_home_secrets(tmp_path: Path) -> None:
    root = (tmp_path / "h").resolve()
    (root / ".ssh").mkdir(parents=True)
    (root / ".ssh" / "id_rsa").write_text("KEY")
    jail = Jail(root, home=root)
    with pytest.raises(PathDenied, match="credential store"):
        jail.read_bytes(".ssh/id_rsa")
    with pytest.raises(PathDenied, match="credential store"):
        jail.write_atomic(".ssh/authorized_keys", b"ssh-ed25519 attacker")


def test_project_secrets_inside_the_workspace_are_readable(jail: Jail, workspace: Path) -> None:
    (workspace / ".env").write_text("TOKEN=x")
    (workspace / "certs").mkdir()
    (workspace / "certs" / "id_rsa").write_text("test key")
    assert jail.read_bytes(".env") == b"TOKEN=x"
    assert jail.read_bytes("certs/id_rsa") == b"test key"
