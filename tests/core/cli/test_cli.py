"""The CLI as scripts use it: a real `vtcode` process, stdout for results, stderr for one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

VTCODE = str(Path(sys.executable).parent / "vtcode")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([VTCODE, *args], text=True, capture_output=True, cwd=cwd, env=env, timeout=60)


def test_version() -> None:
    from vtcode import __version__

    result = run("--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"vtcode {__version__}\n", "")


def test_plugins_list_json_shape(workspace: Path) -> None:
    result = run("plugins", "list", "--json", "--workspace", str(workspace))
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["plugins"]
    by_name = {r["name"]: r for r in rows}
    assert {
        "fs_tools",
        "scripted_provider",
        "outline_indexer",
        "markdown_store",
        "sandbox_none",
        "exec_events",
    } <= set(by_name)
    for row in rows:
        assert {"name", "distribution", "version", "status", "reason", "hook_families"} <= set(row)
    assert by_name["fs_tools"]["registered"] == {
        "tools": ["edit_file", "grep", "list_dir", "read_file", "write_file"]
    }
    assert by_name["markdown_store"]["hook_families"] == ["commands", "storage"]


def test_plugins_list_disabled_builtin(workspace: Path) -> None:
    result = run(
        "plugins", "list", "--json", "--workspace", str(workspace), "-c", "plugins.disabled=['fs_tools']"
    )
    row = {r["name"]: r for r in json.loads(result.stdout)["plugins"]}["fs_tools"]
    assert row["status"] == "disabled"


def test_replaced_builtin_without_replacement_stays_off(workspace: Path) -> None:
    result = run(
        "plugins",
        "list",
        "--json",
        "--workspace",
        str(workspace),
        "-c",
        "plugins.replace={sandbox_none='corp_sandbox'}",
    )
    row = {r["name"]: r for r in json.loads(result.stdout)["plugins"]}["sandbox_none"]
    assert row["status"] == "disabled"
    assert "replaced by 'corp_sandbox'" in row["reason"] and "neither runs" in row["reason"]


def test_malformed_user_config_stops_with_one_line(workspace: Path) -> None:
    config = Path(os.environ["VTCODE_CONFIG_DIR"]) / "vtcode.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[plugins]\ndisabled = 'fs_tools'\n")
    result = run("plugins", "list", "--workspace", str(workspace))
    assert result.returncode == 2 and result.stdout == ""
    assert (
        result.stderr
        == f'vtcode: error: {config}:2: plugins.disabled: Input should be a valid list (got "fs_tools")\n'
    )


def test_config_show_json_names_sources(workspace: Path) -> None:
    result = run("config", "show", "--json", "--workspace", str(workspace), "-c", "sandbox.network=true")
    shown = json.loads(result.stdout)
    assert shown["settings"]["sandbox.network.mode"] == {"value": "full", "source": "-c sandbox.network=true"}
    assert shown["settings"]["tools.default_policy"]["source"] == "builtin"
    assert shown["trusted"] is False


def test_config_validate(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text("[sandbox]\nmode = 'read-only'\n")
    assert run("config", "validate", str(good)).returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text("[sandbox]\nmode = 'read-only'\nnetwork = 'yes'\n")
    result = run("config", "validate", str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"vtcode: error: {bad}:3: sandbox.network: expected a [sandbox.network] table"
    )
    policy = tmp_path / "tool-policy.json"
    policy.write_text('{"version": 2}')
    result = run("config", "validate", str(policy))
    assert result.returncode == 2 and ":1: version:" in result.stderr
    managed = tmp_path / "managed.toml"
    managed.write_text("locked = ['sandbox.mode']\n")
    assert "(managed)" in run("config", "validate", str(managed)).stdout


@pytest.mark.parametrize("kind", ["vtcode", "managed", "tool-policy"])
def test_config_schema_is_json(kind: str) -> None:
    schema = json.loads(run("config", "schema", "--kind", kind).stdout)
    assert schema["type"] == "object"


def test_trust_and_revoke(workspace: Path) -> None:
    assert run("trust", "--workspace", str(workspace)).returncode == 0
    assert (workspace / ".vt-workspace-trust").exists()
    assert (
        json.loads(run("config", "show", "--json", "--workspace", str(workspace)).stdout)["trusted"] is True
    )
    assert "revoked" in run("trust", "--revoke", "--workspace", str(workspace)).stdout
    assert (
        json.loads(run("config", "show", "--json", "--workspace", str(workspace)).stdout)["trusted"] is False
    )


def test_workspace_must_exist(tmp_path: Path) -> None:
    result = run("config", "show", "--workspace", str(tmp_path / "missing"))
    assert result.returncode == 2 and "no such directory" in result.stderr


def test_plugin_command_from_builtin_store() -> None:
    result = run("sessions", "list", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"sessions": []}


def test_approve_refuses_builtin_and_unknown() -> None:
    assert "need no approval" in run("plugins", "approve", "vtcode").stderr
    result = run("plugins", "approve", "vtcode-nonexistent")
    assert result.returncode == 2 and "no installed distribution" in result.stderr


def test_lock_then_verify(tmp_path: Path, workspace: Path) -> None:
    lock = tmp_path / "pins.toml"
    assert run("plugins", "lock", "--output", str(lock), "--workspace", str(workspace)).returncode == 0
    assert "[[plugins.pins]]" in lock.read_text()
    ok = run("plugins", "verify", "--lock", str(lock), "--json", "--workspace", str(workspace))
    assert (ok.returncode, json.loads(ok.stdout)) == (0, {"ok": True, "drift": []})
    lock.write_text(re.sub(r'version = "==[^"]*"', 'version = ">99,<100"', lock.read_text()))
    drift = run("plugins", "verify", "--lock", str(lock), "--workspace", str(workspace))
    assert drift.returncode == 1 and "outside the pin >99,<100" in drift.stdout


def test_verify_without_pins_fails() -> None:
    result = run("plugins", "verify")
    assert result.returncode == 1 and "no pins" in result.stdout


@pytest.mark.parametrize("argv", [["--version"], ["plugins", "list"], ["config", "show"]])
def test_no_heavy_imports_on_paths_that_do_not_need_them(argv: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [VTCODE, *argv],
        text=True,
        capture_output=True,
        timeout=60,
        env={**env, "PYTHONPROFILEIMPORTTIME": "1"},
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    heavy = {m for m in imported if m.split(".")[0] in {"litellm", "textual", "httpx", "tree_sitter", "rich",
                                                       "opentelemetry", "google"}}
    assert result.returncode == 0 and imported and not heavy
    if argv == ["--version"]:
        assert not {"click", "pydantic", "pluggy"} & {m.split(".")[0] for m in imported}
