"""Fifth outside review (R15-5), by class: each class's strings must ask or deny, and look-alikes that are
everyday work stay allowed. Where cheap, a real-bash witness shows the class is real on this machine
(the command run outside the policy does what the finding says), so the test cannot pass vacuously.

Classes (the report is /work/wt/attack15r5/REPORT.md):
- R5-1 `--version` of Python console scripts runs `sitecustomize`/`.pth` (no query exception for them);
- R5-2 a bare name that PATH resolves into the workspace (or through a relative entry);
- R5-4/R5-10 the repository's own config naming programs, its own index hook, a promisor remote;
- R5-5 a shell-session send given as an argv list (judged as words, typed re-parsed);
- R5-6/R5-7 options of set/jobs/printf/test known only at run time;
- R5-8/R5-9 standing approvals after builtin-bound names, or with a stdin the string chose.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.programs import witnesses
from pydantic import ValidationError
from vtcode_hookspecs import Verdict

from vtcode.policy.assemble import open_policy
from vtcode.workspace.trust import write_trust

BASH = shutil.which("bash", path="/usr/bin:/bin")
GIT = shutil.which("git")


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"PATH": "/usr/bin:/bin", "HOME": str(root.parent), "GIT_CONFIG_NOSYSTEM": "1"})


@pytest.fixture
def trusted(workspace: Path) -> Path:
    (workspace / "a.txt").write_text("a\n")
    write_trust(workspace)
    return workspace


def _verdict(root: Path, shell: str) -> Verdict:
    return open_policy(root, reviewers=False).engine.decide_command(shell=shell).decision.verdict


def _bash(root: Path, shell: str, path: str = "/usr/bin:/bin") -> None:
    assert BASH is not None
    subprocess.run([BASH, "-c", shell], cwd=root, capture_output=True, timeout=20,
                   env={"PATH": path, "HOME": str(root.parent / "home"), "GIT_CONFIG_NOSYSTEM": "1"})


def _pwned(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("PWNED"))


# R5-6 / R5-7 -------------------------------------------------------------------------------------------

RUNTIME_OPTIONS = [
    "x=k; set -$x; git status GIT_CONFIG_GLOBAL=evil.cfg",
    "x=-k; set $x; git status GIT_CONFIG_GLOBAL=evil.cfg",
    "x=history; set -o $x; set -o histexpand",
    'set -o "${x:-history}"',
    "set -o ${x-hist}ory",
    'x=(-o history); set "${x[@]}"',
    "set -o $(echo history)",
    "set -o `echo history`",
    "x=history; builtin set -o $x",
    "x=history; command set -o $x",
    "read -r x < opt.txt; set -o $x",
    "set -$x",
    "x=-x; jobs $x ./evil",
    'x=-x; jobs "$x" ./evil',
    "x=-v; printf $x PATH pb; ls",
    'x=-v; printf "$x" PATH pb; ls',
    'read -r x < opt.txt; printf "$x" PATH pb; ls',
    'printf "${f}" PATH pb',
    'read -r x < ev.txt; t=-v; test $t "$x"',
    "read -r x < ev2.txt; test $x",
    "x=$(cat ev2.txt); [ $x ]",
    "test $x",
]

RUNTIME_OPTION_LOOKALIKES = [
    "set -- $x",
    'set -- "$@"',
    "set -e",
    "set -euo pipefail",
    "set -x",
    "jobs",
    "jobs -l",
    'printf "$fmt"',
    'printf "$fmt" a',
    "printf '%s\\n' \"$x\"",
    'printf -- "$x" a b',
    'printf "%s-$x\\n" a b',
    '[ -n "$x" ]',
    '[ "$a" = "$b" ]',
    '[ "$a" != "$b" ]',
    '[ -f "$f" ]',
    'test "$x"',
    "[ $# -eq 0 ]",
    '[ "$#" -gt 1 ]',
    'test -d "$HOME"',
]


@pytest.mark.parametrize("shell", RUNTIME_OPTIONS)
def test_builtin_options_known_only_at_run_time_are_never_allowed(trusted: Path, shell: str) -> None:
    assert _verdict(trusted, shell) is not Verdict.ALLOW


@pytest.mark.parametrize("shell", RUNTIME_OPTION_LOOKALIKES)
def test_runtime_option_lookalikes_stay_allowed(trusted: Path, shell: str) -> None:
    assert _verdict(trusted, shell) is Verdict.ALLOW


def test_witness_runtime_options_really_run_code(trusted: Path) -> None:
    witnesses("bash", "git")
    (trusted / "evil.cfg").write_text('[core]\n\tfsmonitor = "touch PWNED_setk; false"\n')
    _git(trusted, "init", "-q")
    (trusted / "evil").write_text("#!/bin/sh\ntouch PWNED_jobs\n")
    (trusted / "evil").chmod(0o755)
    (trusted / "ev2.txt").write_text("-v a[$(touch${IFS}PWNED_test)]\n")
    (trusted / "pb").mkdir()
    (trusted / "pb" / "ls").write_text("#!/bin/sh\n/usr/bin/touch PWNED_printf\n")
    (trusted / "pb" / "ls").chmod(0o755)
    for shell, mark in [
        ("x=k; set -$x; git status GIT_CONFIG_GLOBAL=evil.cfg", "PWNED_setk"),
        ("x=-x; jobs $x ./evil", "PWNED_jobs"),
        ("x=-v; printf $x PATH pb; ls", "PWNED_printf"),
        ("read -r x < ev2.txt; test $x", "PWNED_test"),
    ]:
        assert _verdict(trusted, shell) is not Verdict.ALLOW, shell
        _bash(trusted, shell)
        assert mark in _pwned(trusted), shell


def test_witness_history_expansion_runs_text_that_was_not_judged(trusted: Path) -> None:
    witnesses("bash")
    shell = ("x=history; set -o $x; set -o histexpand\n"
             "echo X$(true)Y >/dev/null\ncat !-1:1:s/true/touch PWNED_h/")
    assert _verdict(trusted, shell) is not Verdict.ALLOW
    _bash(trusted, shell)
    assert "PWNED_h" in _pwned(trusted)


# R5-8 / R5-9: standing approvals -----------------------------------------------------------------------


def _approve(*argvs: str) -> None:
    path = Path(os.environ["VTCODE_CONFIG_DIR"]) / "tool-policy.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "approval_cache": {"allowed": list(argvs)}}))


APPROVAL_REUSE = [
    "read -r MAKEFILES < f.txt; export MAKEFILES; make test",
    "printf -v MAKEFILES evil.mk; export MAKEFILES; make test",
    "read -r CC < f.txt; export CC; make test",
    ": {MAKEFILES}>/dev/null; export MAKEFILES; make test",
    "wait -n -p MAKEFILES; export MAKEFILES; make test",
    "mapfile -t MAKEFILES < f.txt; export MAKEFILES; make test",
    "sqlite3 app.db < q.sql",
    "sqlite3 app.db <<< '.shell touch x'",
    "printf '.shell touch x\\n' | sqlite3 app.db",
    "sqlite3 app.db 0< q.sql",
    "sqlite3 app.db <&3",
    "ed notes.txt < e.ed",
    "echo '!touch x' | ed notes.txt",
    "cat q.sql | sqlite3 app.db",
    "ed notes.txt << 'EOF'\n!touch x\nEOF",
    "exec < q.sql; sqlite3 app.db",
    "f() { sqlite3 app.db; }; f < q.sql",
    "f() { sqlite3 app.db; }; cat q.sql | f",
    "{ sqlite3 app.db; } < q.sql",
    "while read -r l; do sqlite3 app.db; done < q.sql",
]

APPROVAL_LOOKALIKES = [
    "make test",
    "make test 2>&1 | tail -5",
    "make test | cat",
    "(make test)",
    "make test; make test",
    "sqlite3 app.db",
    "sqlite3 app.db < /dev/null",
    "ed notes.txt",
    "f() { sqlite3 app.db; }; f",
    "exec 2>/dev/null; sqlite3 app.db",
]


@pytest.mark.parametrize("shell", APPROVAL_REUSE)
def test_a_standing_approval_is_not_reused_with_other_input_or_environment(trusted: Path, shell: str) -> None:
    _approve("make test", "sqlite3 app.db", "ed notes.txt")
    assert _verdict(trusted, shell) is not Verdict.ALLOW


@pytest.mark.parametrize("shell", APPROVAL_LOOKALIKES)
def test_a_standing_approval_still_covers_what_was_approved(trusted: Path, shell: str) -> None:
    _approve("make test", "sqlite3 app.db", "ed notes.txt")
    assert _verdict(trusted, shell) is Verdict.ALLOW


def test_witness_approved_commands_run_what_the_string_feeds_them(trusted: Path) -> None:
    witnesses("bash", "make", "ed")
    _approve("make test", "ed notes.txt")
    (trusted / "Makefile").write_text("test:\n\t@echo approved\n")
    (trusted / "evil.mk").write_text("$(shell touch PWNED_makefiles)\n")
    (trusted / "f.txt").write_text("evil.mk\n")
    (trusted / "notes.txt").write_text("")
    (trusted / "e.ed").write_text("!touch PWNED_ed\nq\n")
    for shell, mark in [("read -r MAKEFILES < f.txt; export MAKEFILES; make test", "PWNED_makefiles"),
                        ("ed notes.txt < e.ed", "PWNED_ed")]:
        assert _verdict(trusted, shell) is not Verdict.ALLOW, shell
        _bash(trusted, shell)
        assert mark in _pwned(trusted), shell


# R5-1: queries of Python console scripts --------------------------------------------------------------

PYTHON_SCRIPT_QUERIES = ["pip --version", "pip -V", "pip -h", "pip3 --version", "mypy --version", "mypy -V",
                         "black --version", "pre-commit --version", "poetry --version", "pdm --version",
                         "hatch --version", "pipx --version", "conda --version", "dotnet --version",
                         "dotnet --info"]
HARMLESS_QUERIES = ["python3 --version", "python3 -V", "python3 -h", "node --version", "git --version",
                    "ruff --version", "uv --version", "npm --version"]


@pytest.mark.parametrize("shell", PYTHON_SCRIPT_QUERIES)
def test_version_queries_of_python_console_scripts_ask(trusted: Path, shell: str) -> None:
    assert _verdict(trusted, shell) is Verdict.PROMPT


@pytest.mark.parametrize("shell", HARMLESS_QUERIES)
def test_queries_that_load_no_workspace_code_stay_allowed(trusted: Path, shell: str) -> None:
    assert _verdict(trusted, shell) is Verdict.ALLOW


def test_witness_a_console_script_version_query_runs_sitecustomize(trusted: Path, tmp_path: Path) -> None:
    """An editable install puts the workspace on sys.path; pip's --version starts after site imported a
    committed sitecustomize.py. (python3 -V does not: that query stays allowed.)"""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "_editable_impl_x.pth").write_text(f"{trusted}\n")
    (trusted / "sitecustomize.py").write_text(
        "import os\nopen(os.path.join(os.getcwd(), 'PWNED_site'), 'w').close()\n")
    script = venv / "bin" / "fake-pip"  # a console script: its shebang is the venv's python
    script.write_text(f"#!{venv / 'bin' / 'python'}\nimport sys\nprint('1.0')\n")
    script.chmod(0o755)
    subprocess.run([str(venv / "bin" / "python"), "-V"], cwd=trusted, capture_output=True, timeout=60)
    assert _pwned(trusted) == []
    subprocess.run([str(script), "--version"], cwd=trusted, capture_output=True, timeout=60)
    assert _pwned(trusted) == ["PWNED_site"]


# R5-2: PATH into the workspace -------------------------------------------------------------------------


def test_a_name_path_resolves_into_the_workspace_asks(trusted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (trusted / "bin").mkdir()
    (trusted / "bin" / "ls").write_text("#!/bin/sh\ntouch PWNED_pathls\n")
    (trusted / "bin" / "ls").chmod(0o755)
    monkeypatch.setenv("PATH", f"{trusted / 'bin'}:/usr/bin:/bin")
    for shell in ("ls", "env ls", "timeout 5 ls", "command ls", "ls | xargs ls"):
        assert _verdict(trusted, shell) is Verdict.PROMPT, shell
    for shell in ("cat a.txt", "echo x", "printf x", "test -f a.txt"):  # not shadowed / builtins
        assert _verdict(trusted, shell) is Verdict.ALLOW, shell
    monkeypatch.setenv("PATH", "bin:/usr/bin:/bin")
    assert _verdict(trusted, "cat a.txt") is Verdict.PROMPT  # a relative entry: any name may be a file
    assert _verdict(trusted, "echo x") is Verdict.ALLOW
    monkeypatch.setenv("PATH", f"/usr/bin:/bin:{trusted / 'bin'}")  # the system ls comes first
    assert _verdict(trusted, "ls") is Verdict.ALLOW
    if BASH is not None:
        _bash(trusted, "ls", path=f"{trusted / 'bin'}:/usr/bin:/bin")
        assert _pwned(trusted) == ["PWNED_pathls"]


# R5-4 / R5-10: the repository's own config and hooks ---------------------------------------------------


@pytest.mark.parametrize(("key", "value"), [
    ("core.fsmonitor", "touch PWNED_own; false"),
    ("core.pager", "touch PWNED_own; cat"),
    ("diff.external", "touch PWNED_own"),
    ("remote.origin.uploadpack", "touch PWNED_own; git-upload-pack"),
    ("core.sshCommand", "touch PWNED_own; ssh"),
    ("remote.origin.promisor", "true"),
    ("extensions.partialClone", "origin"),
    ("include.path", "evil.cfg"),  # a file in .git the check would not otherwise read
    ("credential.helper", "!touch PWNED_own"),
])
def test_the_repositorys_own_config_naming_programs_asks(trusted: Path, key: str, value: str) -> None:
    witnesses("bash", "git")
    _git(trusted, "init", "-q")
    _git(trusted, "config", key, value)
    for shell in ("git status", "git log -p", "git show HEAD", "git diff"):
        assert _verdict(trusted, shell) is Verdict.PROMPT, (key, shell)


def test_witness_an_archived_git_dir_runs_its_config_and_hooks(trusted: Path) -> None:
    witnesses("bash", "git")
    _git(trusted, "init", "-q")
    _git(trusted, "add", "a.txt")
    _git(trusted, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "i")
    _git(trusted, "config", "core.fsmonitor", "touch PWNED_fsmon; false")
    assert _verdict(trusted, "git status") is Verdict.PROMPT
    _bash(trusted, "git status")
    assert "PWNED_fsmon" in _pwned(trusted)
    _git(trusted, "config", "--unset", "core.fsmonitor")
    hook = trusted / ".git" / "hooks" / "post-index-change"
    hook.write_text("#!/bin/sh\ntouch PWNED_hook\n")
    hook.chmod(0o755)
    assert _verdict(trusted, "git status") is Verdict.PROMPT
    os.utime(trusted / "a.txt", (1, 1))  # a stat change: status refreshes (writes) the index
    _bash(trusted, "git status")
    assert "PWNED_hook" in _pwned(trusted)


def test_a_package_workspace_judges_the_enclosing_repositorys_own_config(tmp_path: Path) -> None:
    """The workspace is a package of an archived repository: git uses the `.git` above it."""
    witnesses("git")
    repo = tmp_path / "archive"
    (repo / "pkg").mkdir(parents=True)
    _git(repo, "init", "-q")
    _git(repo, "config", "core.fsmonitor", "touch PWNED; false")
    write_trust(repo / "pkg")
    assert _verdict(repo / "pkg", "git status") is Verdict.PROMPT
    _git(repo, "config", "--unset", "core.fsmonitor")
    assert _verdict(repo / "pkg", "git status") is Verdict.ALLOW


def test_a_hooks_path_inside_git_holding_an_index_hook_asks(trusted: Path) -> None:
    witnesses("git")
    _git(trusted, "init", "-q")
    (trusted / ".git" / "h2").mkdir()
    (trusted / ".git" / "h2" / "post-index-change").write_text("#!/bin/sh\n")
    _git(trusted, "config", "core.hooksPath", ".git/h2")
    assert _verdict(trusted, "git status") is Verdict.PROMPT


def test_a_plain_repository_keeps_git_read_only_commands_allowed(trusted: Path) -> None:
    witnesses("git")
    _git(trusted, "init", "-q")
    _git(trusted, "config", "core.fsmonitor", "false")  # a boolean, not a program
    _git(trusted, "config", "user.name", "someone")
    for shell in ("git status", "git log -p", "git show HEAD", "git diff"):
        assert _verdict(trusted, shell) is Verdict.ALLOW, shell


# R5-5: a shell-session send is a string ----------------------------------------------------------------


def test_a_session_send_must_be_a_shell_string() -> None:
    from vtcode_bash_runner.shell_session import ShellSessionArgs

    with pytest.raises(ValidationError, match="shell string"):
        ShellSessionArgs(action="send", session_id="s", command=["echo", "x; touch PWNED"])
    assert ShellSessionArgs(action="send", session_id="s", command="echo x").command == "echo x"


# R5-3: "always" is for the workspace it was given in ---------------------------------------------------


def test_always_for_a_command_is_honoured_only_in_its_workspace(trusted: Path, tmp_path: Path) -> None:
    from vtcode_hookspecs import ActionRequest

    from vtcode.approvals.always import UserPolicyStore

    other = tmp_path / "other"
    other.mkdir()
    (other / "Makefile").write_text("test:\n\ttouch PWNED\n")  # another project's `make test`
    write_trust(other)
    store = UserPolicyStore(root=trusted)
    assert "(in " in store.rule(ActionRequest(kind="command", shell="make test"), [("make", "test")])
    saved = store.remember(ActionRequest(kind="command", shell="make test"), [("make", "test")])
    assert "approval_cache.workspaces" in saved
    data = json.loads(store.path.read_text())["approval_cache"]
    assert data == {"workspaces": {str(trusted): ["make test"]}}
    here = open_policy(trusted, reviewers=False).engine.decide_command(shell="make test").decision
    assert here.verdict is Verdict.ALLOW and here.rule == "approval_cache.workspaces"
    assert _verdict(other, "make test") is Verdict.PROMPT
    assert _verdict(trusted, "cd sub && make test") is not Verdict.ALLOW  # still the root only
    _approve("make test")  # a hand-written global entry stays global
    assert _verdict(other, "make test") is Verdict.ALLOW
