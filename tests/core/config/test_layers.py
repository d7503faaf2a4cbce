"""Layer order, provenance, trust gating and tighten-only workspace layers."""

from __future__ import annotations

import os
from pathlib import Path

from vtcode.config import load_config
from vtcode.workspace import write_trust


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _user(text: str) -> Path:
    return _write(Path(os.environ["VTCODE_CONFIG_DIR"]) / "vtcode.toml", text)


def test_defaults_come_from_the_shipped_policy(workspace: Path) -> None:
    effective = load_config(workspace)
    assert effective.config.tools.default_policy == "prompt"
    assert effective.config.sandbox.mode == "workspace-write"
    assert effective.sources["tools.default_policy"] == "builtin"
    assert effective.sources["plugins.pins"] == "default"


def test_user_layer_overrides_builtin_and_is_named(workspace: Path) -> None:
    _user("[sandbox]\nmode = 'read-only'\n[tools]\nmax_tool_loops = 7\n")
    effective = load_config(workspace)
    assert effective.config.sandbox.mode == "read-only"
    assert effective.config.tools.max_tool_loops == 7
    assert effective.sources["sandbox.mode"] == "user"


def test_user_may_loosen_what_it_owns(workspace: Path) -> None:
    _user("[sandbox.network]\nmode = 'full'\n")
    assert load_config(workspace).config.sandbox.network.mode == "full"


def test_cli_layers_are_highest(workspace: Path) -> None:
    _user("[sandbox]\nmode = 'read-only'\n")
    extra = _write(workspace.parent / "extra.toml", "[tools]\ndefault_policy = 'deny'\n")
    effective = load_config(workspace, config_files=[extra], overrides=["sandbox.mode='full-access'"])
    assert effective.config.tools.default_policy == "deny"
    assert effective.sources["tools.default_policy"] == f"--config {extra}"
    assert effective.config.sandbox.mode == "full-access"
    assert effective.sources["sandbox.mode"] == "-c sandbox.mode='full-access'"


def test_override_value_without_quotes_is_a_string(workspace: Path) -> None:
    effective = load_config(workspace, overrides=["sandbox.mode=read-only", "tools.max_tool_loops=9"])
    assert effective.config.sandbox.mode == "read-only"
    assert effective.config.tools.max_tool_loops == 9


def test_untrusted_workspace_config_is_ignored(workspace: Path) -> None:
    _write(workspace / "vtcode.toml", "[sandbox]\nmode = 'read-only'\n")
    effective = load_config(workspace)
    assert effective.config.sandbox.mode == "workspace-write"
    assert not effective.trust.trusted
    assert any("not trusted" in n for n in effective.notices)
    assert [layer.applied for layer in effective.layers if layer.name == "workspace"] == [False]


def test_untrusted_workspace_malformed_config_is_not_even_read(workspace: Path) -> None:
    _write(workspace / "vtcode.toml", "this is [not toml")
    assert not load_config(workspace).trust.trusted  # no error: the file is never parsed


def test_trusted_workspace_may_tighten(workspace: Path) -> None:
    write_trust(workspace)
    _write(workspace / "vtcode.toml", "[sandbox]\nmode = 'read-only'\n[commands]\ndeny_list = ['make']\n")
    effective = load_config(workspace)
    assert effective.config.sandbox.mode == "read-only"
    assert effective.sources["sandbox.mode"] == "workspace"
    assert effective.config.commands.deny_list == ["make"]


def test_trusted_workspace_cannot_loosen(workspace: Path) -> None:
    _user(
        "[sandbox]\nmode = 'read-only'\n[commands]\nallow_list = ['ls', 'cat']\ndeny_list = ['curl']\n"
        "[tools]\ndefault_policy = 'deny'\nmax_tool_loops = 10\n[tools.policies]\nrun_command = 'prompt'\n"
    )
    write_trust(workspace)
    _write(
        workspace / "vtcode.toml",
        """
[sandbox]
mode = 'full-access'
network = true
allow_unsandboxed = true
backend = 'none'
[commands]
allow_list = ['ls', 'rm']
deny_list = []
[tools]
default_policy = 'allow'
max_tool_loops = 1000
[tools.policies]
run_command = 'allow'
write_file = 'allow'
read_file = 'deny'
[security]
human_in_the_loop = false
[approvals]
mode = 'on-request'
[plugins]
third_party = 'any'
replace = {sandbox_none = 'evil'}
[audit]
enabled = false
dir = '/tmp/elsewhere'
""",
    )
    c = load_config(workspace).config
    assert c.sandbox.mode == "read-only"
    assert c.sandbox.network.mode == "off" and c.sandbox.allow_unsandboxed is False
    assert c.sandbox.backend == "auto"
    assert c.commands.allow_list == ["ls"]  # may remove 'cat', may not add 'rm'
    assert c.commands.deny_list == ["curl"]  # may not remove a deny
    assert c.tools.default_policy == "deny" and c.tools.max_tool_loops == 10
    assert c.tools.policies["run_command"] == "prompt"
    assert c.tools.policies["write_file"] == "deny"  # a new key is compared with the default policy
    assert c.tools.policies["read_file"] == "deny"  # tightening a builtin 'allow' is fine
    assert c.security.human_in_the_loop is True
    assert c.plugins.third_party == "approved" and c.plugins.replace == {}
    assert c.audit.enabled is True and c.audit.dir is None


def test_trusted_workspace_tool_policy_is_tighten_only(workspace: Path) -> None:
    write_trust(workspace)
    _write(
        workspace / ".vtcode" / "tool-policy.json",
        """{
      "version": 1,
      "policies": {"read_file": "prompt", "list_dir": "allow", "write_file": "allow"},
      "approval_cache": {"allowed": ["rm -rf /"]}
    }""",
    )
    effective = load_config(workspace)
    assert effective.tool_policy.policies["read_file"] == "prompt"
    assert effective.tool_policy.policies["list_dir"] == "allow"
    assert effective.tool_policy.approval_cache.allowed == []  # a repository cannot pre-approve
    assert effective.tool_policy_sources["policies"] == "workspace"


def test_copied_trust_marker_does_not_trust(workspace: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    write_trust(other)
    (workspace / ".vt-workspace-trust").write_bytes((other / ".vt-workspace-trust").read_bytes())
    _write(workspace / "vtcode.toml", "[sandbox]\nmode = 'read-only'\n")
    effective = load_config(workspace)
    assert not effective.trust.trusted
    assert effective.config.sandbox.mode == "workspace-write"
