"""Malformed configuration is an error naming the file, the key and the line; nothing falls back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vtcode.config import load_config
from vtcode.errors import ConfigError


def _user_toml(text: str) -> Path:
    path = Path(os.environ["VTCODE_CONFIG_DIR"]) / "vtcode.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_unknown_key_names_file_key_and_line(workspace: Path) -> None:
    path = _user_toml("[tools]\ndefault_policy = 'deny'\n\n[sandbox]\nmod = 'read-only'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(workspace)
    assert str(caught.value) == f"{path}:5: sandbox.mod: unknown key"


def test_wrong_type_is_not_coerced(workspace: Path) -> None:
    path = _user_toml("[tools]\nmax_tool_loops = '20'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(workspace)
    assert caught.value.file == str(path)
    assert caught.value.key == "tools.max_tool_loops"
    assert caught.value.line == 2
    assert "valid integer" in str(caught.value)


def test_bad_value_in_a_policy_map(workspace: Path) -> None:
    _user_toml("[tools.policies]\nread_file = 'allow'\nrun_command = 'yes'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(workspace)
    assert caught.value.key == "tools.policies.run_command"
    assert caught.value.line == 3
    assert "'allow', 'prompt' or 'deny'" in str(caught.value)


def test_malformed_toml_reports_its_line(workspace: Path) -> None:
    path = _user_toml("[tools]\ndefault_policy = 'deny'\nmax_tool_loops = = 3\n")
    with pytest.raises(ConfigError) as caught:
        load_config(workspace)
    assert caught.value.file == str(path) and caught.value.line == 3
    assert "malformed TOML" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_malformed_tool_policy_json_is_refused_not_replaced(workspace: Path) -> None:
    path = Path(os.environ["VTCODE_CONFIG_DIR"]) / "tool-policy.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    original = '{"version": 1,\n "policies": {"run_command": "deny",}\n}'
    path.write_text(original)
    with pytest.raises(ConfigError) as caught:
        load_config(workspace)
    assert caught.value.line == 2 and "malformed JSON" in str(caught.value)
    assert path.read_text() == original  # the Rust vtcode renamed and replaced it, losing the deny


def test_tool_policy_unknown_key_has_json_line(workspace: Path) -> None:
    path = Path(os.environ["VTCODE_CONFIG_DIR"]) / "tool-policy.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{\n  "version": 1,\n  "constraints": {\n    "read_file": {"max_bytes": 5}\n  }\n}\n')
    with pytest.raises(ConfigError) as caught:
        load_config(workspace)
    assert str(caught.value) == f"{path}:4: constraints.read_file.max_bytes: unknown key"


def test_unknown_top_level_section(workspace: Path) -> None:
    path = _user_toml("[sandboxx]\nmode = 'read-only'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(workspace)
    assert str(caught.value) == f"{path}:1: sandboxx: unknown key"


def test_override_with_unknown_key_is_an_error(workspace: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(workspace, overrides=["sandbox.netwrk=true"])
    assert "-c sandbox.netwrk=true" in str(caught.value)


def test_override_with_bad_value_is_an_error(workspace: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(workspace, overrides=["sandbox.mode=wide-open"])
    assert caught.value.key == "sandbox.mode"


def test_missing_config_file_given_on_the_command_line(workspace: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(workspace, config_files=[workspace / "nope.toml"])


def test_bad_pin_version_range(workspace: Path, isolated_user_dirs: Path) -> None:
    managed = isolated_user_dirs / "etc" / "managed.toml"
    managed.parent.mkdir(parents=True, exist_ok=True)
    managed.write_text("[[plugins.pins]]\nname = 'vtcode-x'\nversion = 'newest'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(workspace)
    assert caught.value.key == "plugins.pins.0.version" and "not a version range" in str(caught.value)
