"""`[sandbox.network]` across the layers: the user and the managed file set it, a workspace may only
narrow it (off < allowlist < full, allow lists shrink, deny lists grow), the managed file can lock it, a
malformed value is a one-line error naming the key, and the old spellings (`sandbox.network = true`,
`[sandbox.egress]`) still work with a notice naming the new key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vtcode.config import load_config
from vtcode.config.models import SandboxConfig
from vtcode.errors import ConfigError
from vtcode.workspace import write_trust

USER = """
[sandbox.network]
mode = "allowlist"
defaults = true
allow = ["pypi.org", "*.pythonhosted.org", "10.0.0.0/8"]
deny = ["upload.pypi.org"]
methods = { "pypi.org" = ["GET", "HEAD", "CONNECT"] }
hosts = { "mirror.test" = "10.1.2.3" }
port = 3128
"""

LEGACY_USER = USER.replace("[sandbox.network]", "[sandbox.egress]").replace('mode = "allowlist"',
                                                                            "enabled = true")


def _user(text: str) -> None:
    path = Path(os.environ["VTCODE_CONFIG_DIR"]) / "vtcode.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _managed(root: Path, text: str) -> None:
    managed = root / "etc" / "managed.toml"
    managed.parent.mkdir(parents=True, exist_ok=True)
    managed.write_text(text)


@pytest.mark.parametrize("user", [USER, LEGACY_USER], ids=["network", "legacy-egress"])
@pytest.mark.parametrize("table", ["sandbox.network", "sandbox.egress"])
def test_a_workspace_may_only_narrow_the_allowlist(
    workspace: Path, isolated_user_dirs: Path, user: str, table: str
) -> None:
    _user(user)
    write_trust(workspace)
    (workspace / "vtcode.toml").write_text(
        f'[{table}]\nallow = ["pypi.org", "evil.example"]\ndeny = ["*.pythonhosted.org"]\n'
        'defaults = true\nhosts = { "pypi.org" = "10.9.9.9" }\nport = 8080\n'
        'methods = { "pypi.org" = ["POST"] }\n')
    network = load_config(workspace).config.sandbox.network
    assert network.mode == "allowlist" and network.defaults
    assert network.allow == ["pypi.org"]  # evil.example not added, the others dropped
    assert network.deny == ["upload.pypi.org", "*.pythonhosted.org"]
    assert network.hosts == {"mirror.test": "10.1.2.3"} and network.port == 3128  # user-only
    assert network.methods == {"pypi.org": ["GET", "HEAD", "CONNECT"]}
    off = ('[sandbox.network]\nmode = "off"\n' if table == "sandbox.network"
           else "[sandbox.egress]\nenabled = false\n")
    (workspace / "vtcode.toml").write_text(off + "defaults = false\n")
    narrowed = load_config(workspace).config.sandbox.network
    assert narrowed.mode == "off" and not narrowed.defaults


@pytest.mark.parametrize("workspace_text", [
    '[sandbox.network]\nmode = "allowlist"\nallow = ["evil.example"]\n',
    '[sandbox.network]\nmode = "full"\n',
    '[sandbox.egress]\nenabled = true\nallow = ["evil.example"]\n',
    "[sandbox]\nnetwork = true\n",
])
def test_a_workspace_cannot_turn_the_network_on(
    workspace: Path, isolated_user_dirs: Path, workspace_text: str
) -> None:
    write_trust(workspace)
    (workspace / "vtcode.toml").write_text(workspace_text)
    effective = load_config(workspace)
    assert effective.config.sandbox.network.mode == "off" and effective.config.sandbox.network.allow == []
    assert not effective.config.sandbox.uses_egress_proxy
    assert any("may only tighten" in n for n in effective.notices)


@pytest.mark.parametrize("asked", ["full", "allowlist", "off"])
def test_the_modes_are_ordered_off_allowlist_full(
    workspace: Path, isolated_user_dirs: Path, asked: str
) -> None:
    """A workspace over a user's allowlist mode may narrow it to off, never widen it to full."""
    _user(USER)
    write_trust(workspace)
    (workspace / "vtcode.toml").write_text(f'[sandbox.network]\nmode = "{asked}"\n')
    mode = load_config(workspace).config.sandbox.network.mode
    assert mode == {"full": "allowlist", "allowlist": "allowlist", "off": "off"}[asked]


@pytest.mark.parametrize("locked", ["sandbox.network", "sandbox.egress", "sandbox.network.allow"])
def test_the_managed_file_can_lock_it(workspace: Path, isolated_user_dirs: Path, locked: str) -> None:
    _managed(isolated_user_dirs, f"locked = ['{locked}', 'sandbox.network.mode']\n"
             "[sandbox.network]\nmode = 'allowlist'\nallow = ['pypi.org']\n")
    _user(USER)
    effective = load_config(workspace, overrides=['sandbox.network.allow=["evil.example"]',
                                                  'sandbox.egress.allow=["evil.example"]',
                                                  'sandbox.network.mode="full"', "sandbox.network=true"])
    assert effective.config.sandbox.network.allow == ["pypi.org"]
    assert effective.config.sandbox.network.mode == "allowlist"
    assert effective.sources["sandbox.network.allow"] == "managed (locked)"


def test_old_spellings_are_read_with_a_notice_naming_the_new_key(
    workspace: Path, isolated_user_dirs: Path
) -> None:
    _user("[sandbox]\nnetwork = true\n")
    effective = load_config(workspace)
    assert effective.config.sandbox.network.mode == "full"
    assert any('sandbox.network = true is read as [sandbox.network] mode = "full"' in n
               for n in effective.notices)
    _user(LEGACY_USER)
    effective = load_config(workspace)
    assert effective.config.sandbox.network.mode == "allowlist"
    assert effective.config.sandbox.network.allow == ["pypi.org", "*.pythonhosted.org", "10.0.0.0/8"]
    assert any("[sandbox.egress] is read as [sandbox.network]" in n for n in effective.notices)
    _user("[sandbox]\nnetwork = false\n[sandbox.egress]\nenabled = true\n")  # as before: egress, network off
    assert load_config(workspace).config.sandbox.network.mode == "allowlist"
    _user("[sandbox]\nnetwork = true\n[sandbox.egress]\nenabled = true\n")  # as before: network on wins
    assert load_config(workspace).config.sandbox.network.mode == "full"
    _user(USER)
    effective = load_config(workspace, overrides=["sandbox.egress.enabled=false"])
    assert effective.config.sandbox.network.mode == "off"
    assert any("-c sandbox.egress.enabled=false: [sandbox.egress]" in n for n in effective.notices)
    assert not any("egress" in n for n in load_config(workspace).notices)  # the new shape: nothing said


def test_a_document_validated_alone_reads_the_old_spellings() -> None:
    assert SandboxConfig.model_validate({"network": True}).network.mode == "full"
    legacy = SandboxConfig.model_validate({"egress": {"enabled": True, "allow": ["pypi.org"]}})
    assert legacy.network.mode == "allowlist" and legacy.network.allow == ["pypi.org"]
    assert legacy.uses_egress_proxy
    assert not SandboxConfig.model_validate({"mode": "full-access", "network": {"mode": "allowlist"}}
                                            ).uses_egress_proxy


@pytest.mark.parametrize("rule", ["*", "*.*.example", "exa mple.org", "host:0", "a..b",
                                  "127.0.0.1:18081"])  # an address rule takes no port: it would match nothing
@pytest.mark.parametrize("table", ["sandbox.network", "sandbox.egress"])
def test_a_malformed_rule_is_an_error_naming_the_key(
    workspace: Path, isolated_user_dirs: Path, rule: str, table: str
) -> None:
    _user(f'[{table}]\nallow = ["{rule}"]\n')
    with pytest.raises(ConfigError, match=rf"vtcode.toml:2: {table}\.allow: "):
        load_config(workspace)


@pytest.mark.parametrize(("text", "key"), [
    ('[sandbox]\nnetwork = "yes"\n', "sandbox.network"),
    ("[sandbox]\nnetwork = 1\n", "sandbox.network"),
    ('[sandbox.network]\nmode = "on"\n', "sandbox.network.mode"),
    ("[sandbox.network]\nmode = true\n", "sandbox.network.mode"),
    ('[sandbox.network]\nallow = "pypi.org"\n', "sandbox.network.allow"),
    ("[sandbox.network]\nport = 0\n", "sandbox.network.port"),
    ('[sandbox.network]\nhosts = { "a.test" = "not-an-address" }\n', "sandbox.network.hosts"),
    ('[sandbox.network]\nmethods = { "a.test" = ["GE T"] }\n', "sandbox.network.methods"),
    ('[sandbox.network]\nenabled = true\n', "sandbox.network.enabled"),
    ('[sandbox]\negress = "on"\n', "sandbox.egress"),
    ('[sandbox.egress]\nenabled = "yes"\n', "sandbox.egress.enabled"),
    ('[sandbox.egress]\nmode = "full"\n', "sandbox.egress.mode"),
    ('[sandbox.egress]\nport = "x"\n', "sandbox.egress.port"),
    ('[sandbox.network]\nmode = "off"\n[sandbox.egress]\nenabled = true\n', "sandbox.egress"),
])
def test_a_malformed_value_is_one_line_naming_the_key(
    workspace: Path, isolated_user_dirs: Path, text: str, key: str
) -> None:
    _user(text)
    with pytest.raises(ConfigError) as raised:
        load_config(workspace)
    message = str(raised.value)
    assert "\n" not in message and f": {key}: " in message and message.startswith(
        str(Path(os.environ["VTCODE_CONFIG_DIR"]) / "vtcode.toml"))


@pytest.mark.parametrize("override", ['sandbox.network.mode="on"', "sandbox.network=3",
                                      'sandbox.egress.enabled="x"'])
def test_a_malformed_override_is_an_error_naming_it(
    workspace: Path, isolated_user_dirs: Path, override: str
) -> None:
    with pytest.raises(ConfigError, match=rf"^-c {override}: sandbox\.(network|egress)"):
        load_config(workspace, overrides=[override])
