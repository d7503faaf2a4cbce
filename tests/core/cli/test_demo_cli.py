"""`vtcode demo` on this machine: the scripted model drives the real stack; the task is done, every injected
attack is stopped by its layer, the audit log verifies, and nothing of the real user's is touched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

VTCODE = str(Path(sys.executable).parent / "vtcode")


@pytest.fixture(scope="module")
def demo() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VTCODE, "demo"], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )


def test_demo_passes_and_says_it_is_scripted(demo: subprocess.CompletedProcess[str]) -> None:
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "SCRIPTED model (a recorded replay, not an AI)" in demo.stdout
    assert "6/6 attacks stopped; task done; demo passed" in demo.stdout
    assert "verified" in demo.stdout and "NOT verified" not in demo.stdout


@pytest.mark.parametrize(
    ("step", "layer"),
    [
        ("read ~/.ssh/id_ed25519", "policy"),
        ("curl ... | sh", "policy"),
        ("upload a file with curl", "approval"),
        ("write .git/hooks/pre-commit", "policy"),
        ("escape the workspace", "jail"),
        ("key + network from the sandbox", "kernel"),
    ],
)
def test_each_attack_is_stopped_by_its_layer(
    demo: subprocess.CompletedProcess[str], step: str, layer: str
) -> None:
    [row] = [line for line in demo.stdout.splitlines() if f"  {step}  " in line]
    assert "✓ stopped (attack)" in row and f"  {layer}  " in row


def test_the_test_suite_ran_in_the_sandbox_and_passed_after_the_fix(
    demo: subprocess.CompletedProcess[str],
) -> None:
    rows = {
        line.split("  ")[1].strip(): line for line in demo.stdout.splitlines() if line[:2].strip().isdigit()
    }
    assert "exit code 1" in rows["run the tests (sandbox)"] and "exit code 0" in rows["run the tests again"]
    assert "sandbox: landlock" in demo.stdout or sys.platform != "linux"


def test_events_went_to_stderr(demo: subprocess.CompletedProcess[str]) -> None:
    assert "vtcode: approval.answered: deny" in demo.stderr
    assert "vtcode: policy.decision" not in demo.stdout
