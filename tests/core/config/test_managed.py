"""The managed (enterprise) file: defaults below the user, and `locked` keys nothing can change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vtcode.config import load_config
from vtcode.errors import ConfigError
from vtcode.workspace import write_trust


def _managed(home: Path, text: str) -> Path:
    path = home / "etc" / "managed.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _user(text: str) -> None:
    path = Path(os.environ["VTCODE_CONFIG_DIR"]) / "vtcode.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_locked_keys_win_over_every_layer(workspace: Path, isolated_user_dirs: Path) -> None:
    _managed(
        isolated_user_dirs,
        "locked = ['sandbox.network', 'plugins.third_party']\n"
        "[sandbox]\nnetwork = false\n[plugins]\nthird_party = 'approved'\n",
    )
    _user("[sandbox]\nnetwork = true\n[plugins]\nthird_party = 'any'\n")
    effective = load_config(workspace, overrides=["sandbox.network=true"])
    assert effective.config.sandbox.network.mode == "off"
    assert effective.config.plugins.third_party == "approved"
    assert effective.sources["sandbox.network.mode"] == "managed (locked)"
    assert "sandbox.network" in effective.locked
    assert any("locked" in n for n in effective.notices)


def test_unlocked_managed_values_are_defaults_the_user_may_change(
    workspace: Path, isolated_user_dirs: Path
) -> None:
    _managed(isolated_user_dirs, "[tools]\nmax_tool_loops = 5\n")
    assert load_config(workspace).config.tools.max_tool_loops == 5
    _user("[tools]\nmax_tool_loops = 8\n")
    assert load_config(workspace).config.tools.max_tool_loops == 8


def test_a_whole_section_can_be_locked(workspace: Path, isolated_user_dirs: Path) -> None:
    _managed(isolated_user_dirs, "locked = ['sandbox']\n[sandbox]\nmode = 'read-only'\n")
    write_trust(workspace)
    _user("[sandbox]\nmode = 'full-access'\nnetwork = true\n")
    effective = load_config(workspace)
    assert effective.config.sandbox.mode == "read-only"
    assert effective.config.sandbox.network.mode == "off"
    assert effective.sources["sandbox.mode"] == "managed (locked)"


def test_pins_and_approval_switch_only_from_managed(workspace: Path, isolated_user_dirs: Path) -> None:
    _user("[plugins]\nallow_user_approvals = false\npins = [{name = 'vtcode-evil'}]\n")
    effective = load_config(workspace)
    assert effective.config.plugins.pins == []
    assert effective.config.plugins.allow_user_approvals is True
    assert sum("only the managed" in n for n in effective.notices) == 2
    _managed(
        isolated_user_dirs,
        "[plugins]\nallow_user_approvals = false\n"
        "[[plugins.pins]]\nname = 'vtcode-hello'\nversion = '>=1,<2'\n",
    )
    effective = load_config(workspace)
    assert effective.config.plugins.allow_user_approvals is False
    assert [p.name for p in effective.config.plugins.pins] == ["vtcode-hello"]


def test_locking_an_unknown_key_is_an_error(workspace: Path, isolated_user_dirs: Path) -> None:
    path = _managed(isolated_user_dirs, "locked = ['sandbox.netwrk']\n")
    with pytest.raises(ConfigError) as caught:
        load_config(workspace)
    assert caught.value.file == str(path) and "sandbox.netwrk" in str(caught.value)


def test_system_managed_file_cannot_be_swapped_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from vtcode import paths

    monkeypatch.setattr(paths, "SYSTEM_DIR", Path("/nonexistent-vtcode-etc"))
    monkeypatch.setenv("VTCODE_MANAGED_CONFIG", "/tmp/mine.toml")
    assert paths.managed_config_file() == Path("/tmp/mine.toml")  # honoured only with no system file


def test_system_managed_file_wins_over_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vtcode import paths

    (tmp_path / "managed.toml").write_text("")
    monkeypatch.setattr(paths, "SYSTEM_DIR", tmp_path)
    monkeypatch.setenv("VTCODE_MANAGED_CONFIG", "/tmp/mine.toml")
    assert paths.managed_config_file() == tmp_path / "managed.toml"
