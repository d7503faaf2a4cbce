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


def test_in_a_real_terminal_the_record_names_nobody_who_was_not_asked(workspace: Path) -> None:
    """Run in a pty (a person's terminal), the demo's prompts still go to nobody (it uses no terminal
    asker): its approval.answered must not read as if the terminal's user had refused."""
    import json
    import re

    from helpers.terminal import Terminal

    terminal = Terminal([VTCODE, "demo", "--keep"], cwd=workspace)
    try:
        assert terminal.wait_exit(300) == (0, None)
    finally:
        terminal.kill()
    screen = terminal.output().decode(errors="replace")
    kept = re.findall(r"files kept in (\S+)", screen)
    assert kept, screen[-800:]
    logs = re.findall(r"audit log: (\S+\.jsonl)", screen)
    assert logs, screen[-800:]
    answered = [
        event
        for log in logs[0].rstrip(":").split(",")
        for event in map(json.loads, Path(log.strip().rstrip(":")).read_text().splitlines())
        if event["type"] == "approval.answered"
    ]
    assert answered, "the demo's upload step asks for approval"
    for event in answered:
        who = event["payload"]["who"]
        assert "user" not in who and "tty" not in who, who
        assert who["source"] == "no terminal: prompt means deny"
    import shutil

    shutil.rmtree(kept[0].strip(), ignore_errors=True)
