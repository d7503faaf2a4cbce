"""The command policy against a hostile model: every attack in tests/helpers/attack_cases.py, by class.

"deny" cases must be denied; "not-allow" cases must at least be asked (they are harmless or harmful only
by what runs at run time). The everyday cases show the default policy stays usable."""

from __future__ import annotations

import pytest
from helpers.attack_cases import ATTACKS, EVERYDAY

from vtcode.policy.assemble import PolicySetup

CASES = [(cls, cmd, want) for cls, cases in ATTACKS.items() for cmd, want in cases]


def test_corpus_covers_every_class_the_issue_names() -> None:
    assert len(CASES) >= 150
    assert set(ATTACKS) >= {
        "composition",
        "substitution",
        "wrappers",
        "env_injection",
        "interpreters",
        "argument_injection",
        "redirections",
        "path_traversal",
        "protected_paths",
        "self_escalation",
        "destructive",
        "statement_variables",
        "executing_expansions",
        "git_elsewhere",
        "file_flags",
        "runtime_variables",
    }
    assert all(len(cases) >= 10 for cases in ATTACKS.values())


def _check(policy: PolicySetup, command: str, want: str) -> None:
    decision = policy.engine.decide_command(shell=command).decision
    got = decision.verdict.value
    context = f"{command!r} -> {got}: {decision.reason} ({decision.rule})"
    if want == "not-allow":
        assert got != "allow", context
    else:
        assert got == want, context


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "composition"])
def test_composition(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "substitution"])
def test_substitution(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "wrappers"])
def test_wrappers(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "env_injection"])
def test_env_injection(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "interpreters"])
def test_interpreter_one_liners(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "argument_injection"])
def test_argument_injection(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "redirections"])
def test_redirections(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "path_traversal"])
def test_path_traversal_and_symlinks(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "protected_paths"])
def test_protected_path_writes(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "self_escalation"])
def test_self_escalation(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "destructive"])
def test_destructive(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "statement_variables"])
def test_statement_level_assignments(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "executing_expansions"])
def test_expansions_that_execute(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "git_elsewhere"])
def test_git_pointed_at_another_repository(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "file_flags"])
def test_flags_that_read_or_write_files(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "runtime_variables"])
def test_variables_known_at_run_time(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), [(c, w) for k, c, w in CASES if k == "over_asking_kept_safe"])
def test_what_peers_allow_stays_safe(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(("command", "want"), EVERYDAY)
def test_everyday_work_stays_convenient(policy: PolicySetup, command: str, want: str) -> None:
    _check(policy, command, want)


@pytest.mark.parametrize(
    "command",
    [
        "python3 -c 'print(1)'",
        "bash -c 'make'",
        "env make",
        "timeout 5 make",
        "xargs rm",
        "node -e 1",
        "sudo ls",
    ],
)
def test_interpreters_and_wrappers_are_never_offered_always(policy: PolicySetup, command: str) -> None:
    judged = policy.engine.decide_command(shell=command)
    assert judged.decision.verdict.value != "allow"
    assert not judged.always_offerable


def test_plain_state_changing_command_may_be_offered_always(policy: PolicySetup) -> None:
    judged = policy.engine.decide_command(shell="git commit -m x")
    assert judged.decision.verdict.value == "prompt"
    assert judged.always_offerable


@pytest.mark.parametrize(
    ("command", "written"),
    [
        ("cp README.md copy.md", "copy.md"),
        ("cp -r src a.txt backup", "backup"),
        ("install -m 644 a.txt dest.txt", "dest.txt"),
        ("uniq a.txt out.txt", "out.txt"),
        ("tree -o out.txt", "out.txt"),
        ("sort -o sorted.txt a.txt", "sorted.txt"),
    ],
)
def test_the_reason_names_the_file_written(policy: PolicySetup, command: str, written: str) -> None:
    decision = policy.engine.decide_command(shell=command).decision
    assert decision.verdict.value == "prompt"
    assert f"writes {written!r}" in decision.reason, decision.reason
