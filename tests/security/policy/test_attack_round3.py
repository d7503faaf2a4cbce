"""The third outside review of the command policy, by class: variables bash itself gives meaning to
(its command hash table, its aliases, its history file, POSIX mode, message catalogs) and array
subscripts in variable names. "not-allow" must at least be asked. Each was verified in bash 5.2."""

from __future__ import annotations

import pytest

from vtcode.policy.assemble import PolicySetup

BASH_OWN_VARIABLES = [
    # the history file bash appends the string's later lines to at exit
    'fsmonitor() { :; }; HISTFILE=.git/config; set -o history\nfsmonitor = "touch pwned"',
    "HISTFILE=~/.bashrc; set -o history\necho x",
    "set -o history; echo x",
    # bash's command hash table: like `hash -p`
    "BASH_CMDS=([ls]=./x); ls",
    "BASH_CMDS+=([git]=./x); git status",
    "declare -A BASH_CMDS=([ls]=./x); ls",
    "typeset -A BASH_CMDS+=([cat]=./x); cat a.txt",
    "printf -v 'BASH_CMDS[ls]' ./x; ls",
    "read -r 'BASH_CMDS[ls]' < p.txt; ls",
    # aliases without `alias`: POSIX mode turns alias expansion on in a non-interactive shell
    "set -o posix; BASH_ALIASES+=([ls]=./x)\nls",
    "POSIXLY_CORRECT=1; BASH_ALIASES=([ls]=./x)\nls",
    "set -o posix\nBASH_ALIASES=([git]=./x)\ngit status",
    # $"..." with a catalog from the workspace: its text is expanded
    'TEXTDOMAINDIR=.; TEXTDOMAIN=x; LC_ALL=C.UTF-8\necho $"hello"',
    'TEXTDOMAIN=x TEXTDOMAINDIR=. LC_MESSAGES=C.UTF-8\necho $"hello"',
]

# `{NAME}>file` on a builtin assigns NAME the new fd's number (a directory the workspace can hold).
FD_ASSIGNMENTS = [
    ": {PATH}>/dev/null; ls",
    "echo {PATH}>/dev/null; ls",
    "true {HOME}>/dev/null; git status",
    ": {LD_LIBRARY_PATH}</dev/null; ls",
    ": {XDG_CONFIG_HOME}>/dev/null; git status",
    ": {GIT_DIR}>/dev/null; git log",
]

# A subscript in a name operand is arithmetic, and a bare name in it is evaluated recursively.
SUBSCRIPTS = [
    "read -r y < evil.txt; test -v 'b[y]'",
    "read -r y < evil.txt; [ -v 'b[y]' ]",
    "read -r y < evil.txt; test -v 'b[-y]'",
    "read -r y < evil.txt; printf -v 'b[y]' x",
    "read -r y < evil.txt; read -r 'b[y]' < a.txt",
    "read -r y < evil.txt; b=(1); unset 'b[y]'",
    "read -r y < evil.txt; sleep 0 & wait -n -p 'b[y]'",
]

STILL_ALLOWED = ["export FOO=1; ls", "LC_ALL=C sort a.txt", "test -v 'b[1]'", "set -e", "echo hi",
                 "echo {a}"]


def _verdict(policy: PolicySetup, command: str) -> tuple[str, str]:
    decision = policy.engine.decide_command(shell=command).decision
    got = decision.verdict.value
    return got, f"{command!r} -> {got}: {decision.reason} ({decision.rule})"


@pytest.mark.parametrize("command", BASH_OWN_VARIABLES)
def test_variables_bash_itself_acts_on_are_never_allowed(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got != "allow", context


@pytest.mark.parametrize("command", FD_ASSIGNMENTS)
def test_an_fd_assignment_to_a_dangerous_name_is_never_allowed(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got != "allow", context


@pytest.mark.parametrize("command", SUBSCRIPTS)
def test_a_subscript_in_a_name_operand_is_never_allowed(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got != "allow", context


@pytest.mark.parametrize("command", STILL_ALLOWED)
def test_everyday_forms_stay_allowed(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got == "allow", context
