"""The shipped enterprise examples (policies/examples): each validates, and installed as the managed
file, no user file, trusted workspace, --config file or -c flag can loosen what it locks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vtcode.config import load_config
from vtcode.config.merge import get_path
from vtcode.workspace import write_trust

EXAMPLES = Path(__file__).resolve().parents[3] / "policies" / "examples"
VTCODE = str(Path(sys.executable).parent / "vtcode")

# A user (and a workspace, and the command line) trying to undo each example's point.
LOOSER = """
[sandbox]
mode = "full-access"
network = true
allow_unsandboxed = true
[approvals]
mode = "on-request"
allow_always = true
[tools]
default_policy = "allow"
[tools.policies]
write_file = "allow"
run_command = "allow"
[plugins]
third_party = "any"
disabled = []
[providers]
chain = ["litellm"]
[providers.lmstudio]
base_url = "https://llm.example.com/v1"
[events.sinks.splunk-hec]
url = "https://siem.example.com"
"""

EXPECTED = {
    "strict.toml": {
        "sandbox.mode": "read-only",
        "sandbox.network.mode": "off",
        "sandbox.allow_unsandboxed": False,
        "approvals.mode": "untrusted",
        "approvals.allow_always": False,
        "tools.default_policy": "prompt",
        "tools.policies.write_file": "prompt",
        "tools.policies.run_command": "prompt",
        "plugins.third_party": "approved",
        "plugins.allow_user_approvals": False,
        "plugins.require_verified": True,
    },
    "air-gapped.toml": {
        "providers.chain": ["lmstudio"],
        "providers.lmstudio.base_url": "http://127.0.0.1:1234/v1",
        "plugins.disabled": ["litellm", "openai_compat"],
        "plugins.third_party": "none",
        "sandbox.network.mode": "off",
        "events.sinks": {},
    },
    "ci.toml": {
        "approvals.mode": "never",
        "approvals.allow_always": False,
        "security.human_in_the_loop": True,
        "plugins.allow_user_approvals": False,
        "plugins.third_party": "approved",
    },
}


def test_every_example_is_covered() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.toml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_validates_with_the_cli(name: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    argv = [VTCODE, "config", "validate", str(EXAMPLES / name)]
    result = subprocess.run(argv, text=True, capture_output=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{EXAMPLES / name}: ok (managed)"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_nothing_below_the_managed_file_loosens_an_example(
    name: str, workspace: Path, isolated_user_dirs: Path, tmp_path: Path
) -> None:
    managed = isolated_user_dirs / "etc" / "managed.toml"
    managed.parent.mkdir(parents=True, exist_ok=True)
    managed.write_text((EXAMPLES / name).read_text())
    user = Path(os.environ["VTCODE_CONFIG_DIR"]) / "vtcode.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text(LOOSER)
    write_trust(workspace)
    (workspace / "vtcode.toml").write_text(LOOSER)
    extra = tmp_path / "extra.toml"
    extra.write_text(LOOSER)
    overrides = ["approvals.mode=on-request", "sandbox.network=true", 'sandbox.network.mode="full"',
                 "plugins.third_party=any"]

    effective = load_config(workspace, config_files=[extra], overrides=overrides)
    values = effective.config.model_dump(mode="json")
    for key, expected in EXPECTED[name].items():
        assert get_path(values, key) == expected, f"{name}: {key}"
    assert effective.managed is not None and effective.locked == frozenset(effective.managed.locked)


def test_a_locked_key_ignores_even_a_stricter_workspace(workspace: Path, isolated_user_dirs: Path) -> None:
    """Locked means fixed: the administrator's value, not the strictest of the layers."""
    managed = isolated_user_dirs / "etc" / "managed.toml"
    managed.parent.mkdir(parents=True, exist_ok=True)
    managed.write_text("locked = ['agent.max_turns']\n[agent]\nmax_turns = 40\n")
    write_trust(workspace)
    (workspace / "vtcode.toml").write_text("[agent]\nmax_turns = 5\n")
    effective = load_config(workspace)
    assert effective.config.agent.max_turns == 40
    assert effective.sources["agent.max_turns"] == "managed (locked)"
