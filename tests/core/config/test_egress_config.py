"""`[sandbox.egress]` across the layers: the user and the managed file set it, a workspace may only
narrow it, the managed file can lock it, and a malformed rule is an error naming the key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vtcode.config import load_config
from vtcode.errors import ConfigError
from vtcode.workspace import write_trust

USER = """
[sandbox.egress]
enabled = true
defaults = true
allow = ["pypi.org", "*.pythonhosted.org", "10.0.0.0/8"]
deny = ["upload.pypi.org"]
methods = { "pypi.org" = ["GET", "HEAD", "CONNECT"] }
hosts = { "mirror.test" = "10.1.2.3" }
port = 3128
"""


def _user(text: str) -> None:
    path = Path(os.environ["VTCODE_CONFIG_DIR"]) / "vtcode.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_workspace_may_only_narrow_the_allowlist(workspace: Path, isolated_user_dirs: Path) -> None:
    _user(USER)
    write_trust(workspace)
    (workspace / "vtcode.toml").write_text(
        '[sandbox.egress]\nallow = ["pypi.org", "evil.example"]\ndeny = ["*.pythonhosted.org"]\n'
        'defaults = true\nhosts = { "pypi.org" = "10.9.9.9" }\nport = 8080\n'
        'methods = { "pypi.org" = ["POST"] }\n')
    egress = load_config(workspace).config.sandbox.egress
    assert egress.enabled and egress.defaults
    assert egress.allow == ["pypi.org"]  # evil.example not added, the others dropped
    assert egress.deny == ["upload.pypi.org", "*.pythonhosted.org"]
    assert egress.hosts == {"mirror.test": "10.1.2.3"} and egress.port == 3128  # user-only
    assert egress.methods == {"pypi.org": ["GET", "HEAD", "CONNECT"]}
    (workspace / "vtcode.toml").write_text("[sandbox.egress]\nenabled = false\ndefaults = false\n")
    narrowed = load_config(workspace).config.sandbox.egress
    assert not narrowed.enabled and not narrowed.defaults


def test_a_workspace_cannot_turn_the_mode_on(workspace: Path, isolated_user_dirs: Path) -> None:
    write_trust(workspace)
    (workspace / "vtcode.toml").write_text('[sandbox.egress]\nenabled = true\nallow = ["evil.example"]\n')
    egress = load_config(workspace).config.sandbox.egress
    assert not egress.enabled and egress.allow == []


def test_the_managed_file_can_lock_it(workspace: Path, isolated_user_dirs: Path) -> None:
    managed = isolated_user_dirs / "etc" / "managed.toml"
    managed.parent.mkdir(parents=True, exist_ok=True)
    managed.write_text("locked = ['sandbox.egress']\n"
                       "[sandbox.egress]\nenabled = true\nallow = ['pypi.org']\n")
    _user(USER)
    effective = load_config(workspace, overrides=['sandbox.egress.allow=["evil.example"]'])
    assert effective.config.sandbox.egress.allow == ["pypi.org"]
    assert effective.config.sandbox.egress.enabled is True


@pytest.mark.parametrize("rule", ["*", "*.*.example", "exa mple.org", "host:0", "a..b"])
def test_a_malformed_rule_is_an_error_naming_the_key(
    workspace: Path, isolated_user_dirs: Path, rule: str
) -> None:
    _user(f'[sandbox.egress]\nallow = ["{rule}"]\n')
    with pytest.raises(ConfigError, match=r"sandbox\.egress\.allow"):
        load_config(workspace)
