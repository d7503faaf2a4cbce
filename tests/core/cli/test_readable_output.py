"""Output people must read: `config show` fits a terminal, `config validate` lists every error, a workspace
that tries to loosen a setting is told so once (stderr and the audit log), and `exec` without a model says
why once and does not offer to resume a session no model answered in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers.openai_stub import dead_url

from vtcode.workspace.trust import write_trust

VTCODE = str(Path(sys.executable).parent / "vtcode")


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    merged = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, **(env or {})}
    return subprocess.run([VTCODE, *args], text=True, capture_output=True, cwd=cwd, env=merged, timeout=60)


def test_config_show_fits_a_terminal_and_json_keeps_everything(workspace: Path) -> None:
    shown = run("config", "show", cwd=workspace)
    assert shown.returncode == 0, shown.stderr
    settings = [line for line in shown.stdout.splitlines() if not line.startswith("#")]  # not the paths
    longest = max(settings, key=len)
    assert len(longest) <= 200, longest[:300]
    assert any(
        line.startswith("tool-policy.commands = {") and "entries" in line
        for line in shown.stdout.splitlines()
    )
    whole = json.loads(run("config", "show", "--json", cwd=workspace).stdout)
    assert len(whole["tool_policy"]["commands"]["value"]) > 100  # the JSON still has the whole table


def test_config_validate_lists_every_error(tmp_path: Path) -> None:
    bad = tmp_path / "vtcode.toml"
    bad.write_text('[sandbox]\nmode = "x"\nnetwork = "yes"\n[agent]\nmax_turns = 0\nfoo = 1\n')
    result = run("config", "validate", str(bad), cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"vtcode: error: {bad}:2: sandbox.mode: Input should be 'read-only', 'workspace-write' or "
        """'full-access' (got "x")""",
        f'vtcode: error: {bad}:3: sandbox.network: expected a [sandbox.network] table (mode = "off" | '
        '"allowlist" | "full"), or the old true/false (got "yes")',
        f"vtcode: error: {bad}:5: agent.max_turns: Input should be greater than or equal to 1 (got 0)",
        f"vtcode: error: {bad}:6: agent.foo: unknown key",
    ]


def test_a_workspace_loosening_a_setting_is_told_once(workspace: Path, tmp_path: Path) -> None:
    write_trust(workspace)
    (workspace / "vtcode.toml").write_text('[sandbox]\nmode = "full-access"\nnetwork = true\n')
    audit = tmp_path / "audit"
    result = run(
        "exec", "--provider", "openai-compat", "--base-url", dead_url(), "--model", "m", "hi",
        cwd=workspace, env={"VTCODE_AUDIT_DIR": str(audit)},
    )  # fmt: skip
    notices = [line for line in result.stderr.splitlines() if "config.notice" in line]
    assert len(notices) == 3, result.stderr  # the old spelling's new key, then one per key, once
    assert 'sandbox.network = true is read as [sandbox.network] mode = "full"' in notices[0]
    assert 'sandbox.mode = "full-access" ignored' in notices[1] and 'kept "workspace-write"' in notices[1]
    assert 'sandbox.network.mode = "full" ignored' in notices[2] and 'kept "off"' in notices[2]
    (log,) = audit.glob("*.jsonl")
    events = [json.loads(line) for line in log.read_text().splitlines()]
    recorded = [e["payload"]["message"] for e in events if e["type"] == "config.notice"]
    assert len(recorded) == 3 and "sandbox.mode" in recorded[1]


def test_exec_without_a_model_says_why_once_and_offers_no_resume(workspace: Path) -> None:
    url = dead_url()
    result = run(
        "exec", "--provider", "openai-compat", "--base-url", url, "--model", "m", "hi", cwd=workspace
    )
    assert result.returncode == 1
    assert result.stderr.count("no server at") == 1, result.stderr
    assert "--resume" not in result.stderr
    assert result.stderr.splitlines()[-1].endswith("no model answered)")
