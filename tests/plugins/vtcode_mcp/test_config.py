"""The plugin's own `[mcp]` models, and the table reaching it through the hooks' arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from vtcode_mcp.config import McpConfig, McpServerConfig
from vtcode_mcp.secrets import bearer_token

from vtcode.api import CommandContext
from vtcode.config import models as core


def test_the_loader_checks_the_table_with_the_plugins_own_models(tmp_path: Path) -> None:
    """One copy of the `[mcp]` models: the plugin declares them (config_sections) and the core's loader
    validates and merges every layer with them, so what the loader passed the plugin accepts."""
    import vtcode_mcp

    assert vtcode_mcp.config_sections() == {"mcp": McpConfig}
    config = CommandContext(tmp_path, (), ("mcp.max_result_bytes=2048",)).load_config().config
    assert isinstance(vars(config)["mcp"], McpConfig)  # (a field the plugin added to the model)
    assert not hasattr(core, "McpConfig") and not hasattr(core, "McpServerConfig")


def test_a_command_reads_the_table_a_session_is_handed(tmp_path: Path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text('[mcp.servers.web]\nurl = "http://127.0.0.1:9/mcp"\n', encoding="utf-8")
    invocation = CommandContext(tmp_path, (extra,), ("mcp.max_result_bytes=2048",))
    setup = invocation.source_setup("mcp")
    mcp = McpConfig.model_validate(setup.settings)
    assert setup.workspace == str(tmp_path.resolve()) and setup.trusted is False
    assert mcp.max_result_bytes == 2048 and mcp.servers["web"].url == "http://127.0.0.1:9/mcp"
    assert "mcp.servers.web" in setup.layers


def test_a_bearer_token_comes_from_the_private_secrets_file(
    isolated_user_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MCP_WEB_TOKEN", raising=False)
    secrets = isolated_user_dirs / "config" / "secrets.toml"
    secrets.parent.mkdir(parents=True, exist_ok=True)
    secrets.write_text('mcp-web = "s3cret"\n', encoding="utf-8")
    secrets.chmod(0o600)
    server = McpServerConfig(url="http://127.0.0.1:9/mcp", bearer_token_secret="mcp-web")
    assert bearer_token("web", server) == "s3cret"
    monkeypatch.setenv("MCP_WEB_TOKEN", "from-env")
    assert bearer_token("web", server) == "from-env"
    monkeypatch.delenv("MCP_WEB_TOKEN")
    secrets.chmod(0o644)  # readable by others: refused, in one line naming the file
    with pytest.raises(ValueError, match=r"secrets\.toml: refusing"):
        bearer_token("web", server)


def test_mcp_list_takes_config_files_and_overrides_like_every_command(tmp_path: Path) -> None:
    """`vtcode mcp list` judges the layers this command line names (--config, in order), as a session would
    (it took --workspace only, so an extra layer could not change what it said)."""
    import json
    import os
    import subprocess
    import sys

    workspace = tmp_path / "ws"
    workspace.mkdir()
    extra = tmp_path / "extra.toml"
    extra.write_text('[mcp.servers.web]\nurl = "http://127.0.0.1:9/mcp"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    def listed(*args: str) -> dict[str, Any]:
        ran = subprocess.run([sys.executable, "-m", "vtcode", "mcp", "list", "--json", "--workspace",
                              str(workspace), *args], env=env, capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, ran.stderr
        return {row["name"]: row for row in json.loads(ran.stdout)["servers"]}

    assert listed() == {}
    assert listed("--config", str(extra))["web"]["start"] is True
    off = tmp_path / "off.toml"
    off.write_text('[mcp.servers.web]\nurl = "http://127.0.0.1:9/mcp"\nenabled = false\n', encoding="utf-8")
    disabled = listed("--config", str(extra), "--config", str(off))["web"]
    assert disabled["start"] is False and disabled["reason"] == "disabled in the config"
