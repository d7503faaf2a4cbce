"""The fourth outside review of the command policy, by class (decision 1506). Each class was verified in bash
5.2 / git 2.39 by the reviewer; the witness tests below re-run the decisive ones for real (a marker file a
planted program writes, or the content of a planted file outside the workspace appearing) in the same
workspace the policy judges. "Not allowed" means the policy asks or refuses; look-alikes stay allowed."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers.programs import program, witnesses
from vtcode_hookspecs import ActionRequest

from vtcode.policy.assemble import PolicySetup, open_policy
from vtcode.policy.git_config_code import worktree_code
from vtcode.policy.git_index import parse_gitlinks
from vtcode.workspace import write_trust

Rich = tuple[PolicySetup, Path, Path]

@pytest.fixture(autouse=True)
def _witnesses() -> None:
    witnesses("bash", "git")  # real bash and git are the witnesses here: missing on Linux is a failure

_GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b",
            "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@b"}


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **_GIT_ENV, "HOME": str(cwd)}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def _bash(source: str, cwd: Path, home: Path) -> str:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "USER": "dev", "LOGNAME": "dev", **_GIT_ENV}
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", source], cwd=cwd, env=env, timeout=30,
                          capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def _plant(path: Path, marker: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho ran > '{marker}'\n")
    path.chmod(0o755)
    return path


@contextmanager
def _policy(base: Path, ws: Path, tool_policy: dict[str, object] | None = None) -> Iterator[PolicySetup]:
    """The shipped policy for `ws`, trusted, with a fake home and the runner's USER/LOGNAME."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(base / "home"))
        mp.setenv("USER", "dev")
        mp.setenv("LOGNAME", "dev")
        for name in ("CONFIG", "CACHE", "DATA"):
            mp.setenv(f"VTCODE_{name}_DIR", str(base / "vtcode" / name.lower()))
        mp.setenv("VTCODE_SYSTEM_CONFIG", str(base / "etc" / "vtcode.toml"))
        mp.setenv("VTCODE_MANAGED_CONFIG", str(base / "etc" / "managed.toml"))
        if tool_policy is not None:
            (base / "vtcode" / "config").mkdir(parents=True, exist_ok=True)
            (base / "vtcode" / "config" / "tool-policy.json").write_text(json.dumps(tool_policy))
        write_trust(ws)
        setup = open_policy(ws, reviewers=False)
        assert setup.config.trust.trusted, setup.config.trust.reason
        yield setup


def _verdict(policy: PolicySetup, command: str) -> str:
    return policy.engine.decide_command(shell=command).decision.verdict.value


def _explain(policy: PolicySetup, command: str) -> str:
    decision = policy.engine.decide_command(shell=command).decision
    return f"{command!r} -> {decision.verdict.value}: {decision.reason} ({decision.rule})"


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rich]:
    """A repository with committed links out (`d/l` to a file, `e/out` to a directory), a list naming an
    outside file, a compound-subscript payload, a patch named `diff`, a Makefile in vendor/x and a link
    `nohup.out -> .git/config`."""
    base = tmp_path_factory.mktemp("round4")
    home, out, ws = base / "home", base / "out", base / "ws"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("-----BEGIN FAKE KEY-----\n")
    out.mkdir()
    (out / "secret.txt").write_text("outside-secret\n")
    (out / "cred.json").write_text('{"token": "s3cret"}\n')
    ws.mkdir()
    _git(ws, "init", "-q")
    (ws / "a.txt").write_text("a\n")
    (ws / "b.txt").write_text("b\n")
    (ws / "a.json").write_text('{"name": 1}\n')
    (ws / "list0").write_text(f"{out / 'secret.txt'}\0")
    (ws / "list.txt").write_text(f"{out / 'secret.txt'}\n")
    (ws / "ev.txt").write_text("a[$(touch pwned)]\n")
    (ws / "evil.cfg").write_text('[core] fsmonitor = "touch pwned; false"\n')
    for name in ("d", "e", "other", "src", "vendor/x"):
        (ws / name).mkdir(parents=True)
    (ws / "d" / "l").symlink_to(out / "secret.txt")
    (ws / "e" / "out").symlink_to(out)
    (ws / "other" / "l").write_text("")
    (ws / "src" / "m.txt").write_text("m\n")
    (ws / "vendor" / "x" / "Makefile").write_text("test:\n\ttouch pwned\n")
    (ws / "nohup.out").symlink_to(".git/config")
    _plant(ws / "ls", ws / "pwned")
    _git(ws, "add", "-A")
    _git(ws, "commit", "-qm", "init")
    approvals = {"version": 1, "approval_cache": {"allowed": ["make test"]}}
    with _policy(base, ws, approvals) as policy:
        yield policy, ws, base


# F1: /dev/stdout and /dev/stderr re-open the file the descriptor holds, for writing.
REOPENED = [
    "printf '[core]\\n\\tfsmonitor = x\\n' 1<.git/config >>/dev/stdout; git status",
    "printf x 2<.git/config 2>>/dev/stderr >&2",
    "exec 1<.git/config; printf x >>/dev/stdout",
    "{ printf '[alias]\\n'; } 1<.git/config >>/dev/stdout",
    "printf x 1<.vt-workspace-trust >/dev/stdout",
    "exec 3<.git/config 1<&3; echo x >/dev/stdout",
]
# F2: argv[0] chosen by the string: git acts on `git-apply`.
ARGV0 = ["exec -a git-apply git diff", "exec -a git-branch git status", "exec -agit-tag git log",
         "command exec -a git-apply git diff", 'exec -a "$x" git status']
# F3: a builtin binds or clears a name the policy would expand to the runner's value.
REBOUND = [
    "read -r USER < list.txt; cat $USER",
    "read -ra USER < list.txt; cat \"$USER\"",
    "printf -v USER /%s/%s x y; cat $USER",
    "unset USER; cat $USER/etc/hostname",
    "unset -v LOGNAME; cat ${LOGNAME}/etc/hostname",
    "f() { local USER; cat $USER/etc/hostname; }; f",
    "f() { declare USER; cat $USER/etc/hostname; }; f",
    "read -r PWD < list.txt; cat $PWD",
    'read -r "$n" < list.txt; cat $USER',
]
# F4: a program path through `..` is not the system program its name says.
PROGRAM_PATHS = ["/usr/bin/../../{ws}/ls", "/bin/../{ws}/ls a.txt", "/usr/local/bin/../../../{ws}/ls"]
# F5: jq filters that read files wherever they say.
JQ = [
    "jq -n 'import \"cred\" as $c {search: \"../out\"}; $c'",
    "jq 'include \"m\" {search: \"/\"}; .' a.json",
    "jq -f prog.jq a.json",
    "jq --arg a b 'include \"m\" {search: \"../out\"}; .' a.json",
]
# F6: variables that move a tool's configuration or name a file it reads.
CONFIG_VARIABLES = [
    "GNUPGHOME=g git log -1 --show-signature",
    "export GNUPGHOME=g; git log -1 --format=%G?",
    "MAGIC=../out/secret.txt file a.txt",
    "set -a; MAGIC=../out/secret.txt; file a.txt",
    "DOCKER_CONFIG=. docker --version",
    "PHPRC=. php -v",
    "LUA_INIT=@x.lua lua -v",
    "export CARGO_HOME=.; ls",
]
# F7 and F22: a glob's matches below its first component, and after a cd.
GLOBS = ["cat */l", "cat [d]/l", "cat d*/l", "cat ?/l", "cd d && cat *", "cd d; cat l*", "cat e/*/secret.txt"]
# F8: producers into xargs list links; F15: diff reads the files of directory operands.
LISTED = ["find d -print0 | xargs -0 cat", "find . -print0 | xargs -0 cat",
          "find e -follow -print0 | xargs -0 cat", "ls | xargs diff", "diff d other", "diff -q d other"]
# F10: compound-value subscripts are arithmetic, whatever assigns them.
COMPOUND = ["read -r x < ev.txt; b=([x]=1)", "read -r x < ev.txt; b+=([x]=1)", "b=( [x]=1 ); :",
            'b=(["x"]=1); :', "b=([1+x]=1); :", "b=([x]+=1); :", "b=([$x]=1); :",
            "f() { b=([x]=1); }; f"]
# F12: getopt_long takes any unique prefix, one letter included.
ABBREVIATIONS = ["sort --o=.git/config evil.cfg", "sort --o .git/hooks/pre-commit a.txt",
                 "wc --f=list0", "du --f=list0", "file --f=list.txt", "md5sum --c sums.txt",
                 "date --s=2020-01-01", "date --f=../out/secret.txt"]
# F16: implicit output files; F20: wrappers acting on running processes; F21: lists of files.
IMPLICIT = ["nohup ls", "nohup make test", "taskset -p 0x1 1", "taskset -cp 0 1", "ionice -c 3 -p 1",
            "ionice -u 0", "sort --files0-from=list0", "wc --files0-from=list0", "du --files0-from=list0",
            "file -f list.txt", "find -files0-from list0 -print"]
# F11: a standing approval ("make test" here) is for the workspace root, not wherever the string goes.
APPROVAL_ELSEWHERE = ["cd vendor/x && make test", "cd vendor/x; make test",
                      "cd src/.. && cd vendor/x && make test"]

STILL_ALLOWED = [
    "cat a.txt", "sort a.txt", "cat *.txt", "cat src/*", "diff a.txt b.txt",
    "diff <(sort a.txt) <(sort b.txt)",
    "exec git status", "exec -a git git status", "/usr/bin/ls", "/bin/./ls -la", "jq .name a.json",
    "jq --arg a b .name a.json", "jq '.imports' a.json", "b=(a b c); echo", "b=([0]=a [1]=b); echo",
    "printf x >/dev/stdout", "cat a.txt >/dev/stderr", "echo x 2>&1 >/dev/stderr",
    "read -r line < a.txt; echo \"$line\"", "while read -r l; do echo \"$l\"; done < a.txt", "echo $USER",
    "export CONFIG=release; ls", "export FOO=1; ls", "LC_ALL=C sort a.txt", "ls | xargs wc -l",
    "find src -name '*.txt' -print0 | xargs -0 wc -l", "find e -print0 | xargs -0 wc -l",
    "ls | xargs grep -n x", "nice -n 5 ls", "taskset -c 0 ls", "ionice -c 3 ls", "git log --oneline",
    "git diff", "make test", "cd . && make test", "nohup ls >/dev/null", "sort -o out.txt a.txt || true",
]


@pytest.mark.parametrize("command", REOPENED)
def test_a_descriptor_reopened_by_name_is_a_write_of_its_file(rich: Rich,
                                                               command: str) -> None:
    assert _verdict(rich[0], command) == "deny", _explain(rich[0], command)


@pytest.mark.parametrize("command", ARGV0)
def test_argv0_chosen_by_the_string_is_never_allowed(rich: Rich, command: str) -> None:
    assert _verdict(rich[0], command) != "allow", _explain(rich[0], command)


@pytest.mark.parametrize("command", REBOUND)
def test_a_name_a_builtin_binds_is_not_expanded_as_known(rich: Rich,
                                                         command: str) -> None:
    assert _verdict(rich[0], command) != "allow", _explain(rich[0], command)


@pytest.mark.parametrize("template", PROGRAM_PATHS)
def test_a_program_path_through_dotdot_is_a_program_file(rich: Rich,
                                                         template: str) -> None:
    command = template.format(ws=str(rich[1]).lstrip("/"))
    assert _verdict(rich[0], command) != "allow", _explain(rich[0], command)


@pytest.mark.parametrize("command", JQ)
def test_jq_filters_that_read_files_are_never_allowed(rich: Rich, command: str) -> None:
    assert _verdict(rich[0], command) != "allow", _explain(rich[0], command)


@pytest.mark.parametrize("command", CONFIG_VARIABLES)
def test_variables_that_move_configuration_or_name_files_deny(rich: Rich,
                                                              command: str) -> None:
    assert _verdict(rich[0], command) == "deny", _explain(rich[0], command)


@pytest.mark.parametrize("command", GLOBS)
def test_glob_matches_through_links_are_judged_everywhere(rich: Rich,
                                                          command: str) -> None:
    assert _verdict(rich[0], command) != "allow", _explain(rich[0], command)


@pytest.mark.parametrize("command", LISTED)
def test_what_a_producer_lists_or_a_directory_holds_is_judged(rich: Rich,
                                                              command: str) -> None:
    assert _verdict(rich[0], command) != "allow", _explain(rich[0], command)


@pytest.mark.parametrize("command", COMPOUND)
def test_compound_value_subscripts_are_never_allowed(rich: Rich, command: str) -> None:
    assert _verdict(rich[0], command) != "allow", _explain(rich[0], command)


@pytest.mark.parametrize("command", ABBREVIATIONS)
def test_one_letter_abbreviations_take_the_options_type(rich: Rich,
                                                        command: str) -> None:
    assert _verdict(rich[0], command) != "allow", _explain(rich[0], command)


@pytest.mark.parametrize("command", IMPLICIT)
def test_implicit_outputs_process_control_and_file_lists_are_never_allowed(
    rich: Rich, command: str
) -> None:
    assert _verdict(rich[0], command) != "allow", _explain(rich[0], command)


@pytest.mark.parametrize("command", APPROVAL_ELSEWHERE)
def test_a_standing_approval_is_not_reused_in_another_directory(rich: Rich,
                                                                command: str) -> None:
    assert _verdict(rich[0], "make test") == "allow"  # as approved, at the workspace root
    assert _verdict(rich[0], command) != "allow", _explain(rich[0], command)


@pytest.mark.parametrize("command", STILL_ALLOWED)
def test_look_alikes_stay_allowed(rich: Rich, command: str) -> None:
    if command.startswith("sort -o"):
        assert _verdict(rich[0], command) == "prompt", _explain(rich[0], command)  # a write inside asks
    else:
        assert _verdict(rich[0], command) == "allow", _explain(rich[0], command)


# Witnesses: the same strings in the same workspace, run by real bash.


def test_witness_reopened_stdout_writes_git_config_and_git_runs_it(rich: Rich,
                                                                  tmp_path: Path) -> None:
    policy, _, base = rich
    ws = tmp_path / "w"
    ws.mkdir()
    _git(ws, "init", "-q")
    marker = tmp_path / "marker"
    program = _plant(tmp_path / "monitor", marker)
    source = f"printf '[core]\\n\\tfsmonitor = \"{program}\"\\n' 1<.git/config >>/dev/stdout; git status"
    _bash(source, ws, base / "home")
    assert marker.exists(), "git did not run the fsmonitor printf appended through /dev/stdout"
    assert _verdict(policy, source) == "deny"


def test_witness_exec_a_makes_git_another_command(rich: Rich, tmp_path: Path) -> None:
    policy, _, base = rich
    ws = tmp_path / "w"
    ws.mkdir()
    _git(ws, "init", "-q")
    _git(ws, "commit", "-q", "--allow-empty", "-m", "x")
    _bash("exec -a git-branch git status", ws, base / "home")
    assert "status" in _git(ws, "branch", "--list", "status")
    assert _verdict(policy, "exec -a git-branch git status") != "allow"


def test_witness_rebound_user_reads_the_listed_file(rich: Rich) -> None:
    policy, ws, base = rich
    assert "outside-secret" in _bash("read -r USER < list.txt; cat $USER", ws, base / "home")
    assert "outside-secret" in _bash("printf -v USER %s list.txt; read -r USER < $USER; cat $USER", ws,
                                     base / "home")
    assert _verdict(policy, "read -r USER < list.txt; cat $USER") != "allow"
    assert _verdict(policy, "cat $USER") == "allow"  # the runner's value: a name in the workspace


def test_witness_dotdot_program_path_runs_the_workspace_file(rich: Rich) -> None:
    policy, ws, base = rich
    source = f"/usr/bin/../..{ws}/ls"
    (ws / "pwned").unlink(missing_ok=True)
    _bash(source, ws, base / "home")
    assert (ws / "pwned").exists()
    (ws / "pwned").unlink()
    assert _verdict(policy, source) != "allow"


def test_witness_jq_import_reads_outside(rich: Rich) -> None:
    program("jq")
    policy, ws, base = rich
    assert "s3cret" in _bash(JQ[0], ws, base / "home")
    assert _verdict(policy, JQ[0]) != "allow"


def test_witness_magic_prints_the_file(rich: Rich) -> None:
    program("file")
    policy, ws, base = rich
    assert "outside-secret" in _bash("MAGIC=../out/secret.txt file a.txt", ws, base / "home")
    assert _verdict(policy, "MAGIC=../out/secret.txt file a.txt") == "deny"


@pytest.mark.parametrize("command", ["cat */l", "cd d && cat *", "find d -print0 | xargs -0 cat",
                                     "diff d other", "sort --files0-from=list0"])
def test_witness_reads_through_links_and_lists(rich: Rich, command: str) -> None:
    policy, ws, base = rich
    assert "outside-secret" in _bash(command, ws, base / "home"), command
    assert _verdict(policy, command) != "allow", _explain(policy, command)


def test_witness_compound_subscript_runs_code(rich: Rich) -> None:
    policy, ws, base = rich
    source = "read -r x < ev.txt; b=([x]=1)"
    _bash(source, ws, base / "home")
    assert (ws / "pwned").exists()
    (ws / "pwned").unlink()
    assert _verdict(policy, source) != "allow"


def test_witness_one_letter_abbreviation_writes_git_config(rich: Rich,
                                                          tmp_path: Path) -> None:
    policy, _, base = rich
    ws = tmp_path / "w"
    ws.mkdir()
    _git(ws, "init", "-q")
    marker = tmp_path / "marker"
    program = _plant(tmp_path / "monitor", marker)
    (ws / "evil.cfg").write_text(f'[core] fsmonitor = "{program}"\n')
    _bash("sort --o=.git/config evil.cfg; git status", ws, base / "home")
    assert marker.exists()
    assert _verdict(policy, "sort --o=.git/config evil.cfg; git status") == "deny"


def test_witness_standing_approval_elsewhere_runs_other_code(rich: Rich) -> None:
    program("make")
    policy, ws, base = rich
    _bash("cd vendor/x && make test", ws, base / "home")
    assert (ws / "vendor" / "x" / "pwned").exists()
    (ws / "vendor" / "x" / "pwned").unlink()
    assert _verdict(policy, "cd vendor/x && make test") != "allow"


def test_witness_nohup_on_a_terminal_appends_through_its_link(rich: Rich,
                                                              tmp_path: Path) -> None:
    policy, _, _ = rich
    ws = tmp_path / "w"
    ws.mkdir()
    (ws / "nohup.out").symlink_to("target")
    (ws / "a").write_text("")
    pid, fd = pty.fork()
    if pid == 0:  # the child: nohup with a terminal on stdout, as in shell_session or run_command(terminal)
        os.chdir(ws)
        os.execv("/bin/sh", ["/bin/sh", "-c", "nohup ls"])  # noqa: S606
    _drain(fd, 3.0)
    os.waitpid(pid, 0)
    assert "a" in (ws / "target").read_text()
    assert _verdict(policy, "nohup ls") == "deny"  # nohup.out -> .git/config in the policy's workspace


def _drain(fd: int, seconds: float) -> bytes:
    out = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return out


# F18: glob matches that are options.


def test_a_glob_matching_an_option_name_asks_and_really_is_one(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.md").write_text("[approvals]\n")
    (ws / "--output=vtcode.toml").write_text("")
    (ws / "-R").write_text("")
    with _policy(tmp_path, ws) as policy:
        for command in ("sort *", "sort -- *", "ls | xargs wc -l", "ls | xargs grep x"):
            assert _verdict(policy, command) != "allow", _explain(policy, command)
        assert _verdict(policy, "cat *.md") == "allow"
        assert _verdict(policy, "sort ./*") == "allow"
    _bash("sort *", ws, tmp_path)
    assert (ws / "vtcode.toml").read_text() == "[approvals]\n"


# F9 and F17: git reaching repositories and programs of the workspace content.


def _repo(path: Path) -> Path:
    path.mkdir(parents=True)
    _git(path, "init", "-q")
    (path / "a.txt").write_text("a\n")
    _git(path, "add", "-A")
    _git(path, "commit", "-qm", "init")
    return path


def test_git_entering_a_planted_submodule_asks_and_really_runs_its_config(tmp_path: Path) -> None:
    ws = _repo(tmp_path / "ws")
    sub = _repo(ws / "sub")
    marker = tmp_path / "marker"
    _git(sub, "config", "core.fsmonitor", str(_plant(tmp_path / "monitor", marker)))
    _git(ws, "update-index", "--add", "--cacheinfo", f"160000,{_git(sub, 'rev-parse', 'HEAD')},sub")
    _git(ws, "commit", "-qm", "gitlink")
    with _policy(tmp_path, ws) as policy:
        for command in ("git status", "git status --short", "git diff --submodule=diff HEAD~1"):
            assert _verdict(policy, command) != "allow", _explain(policy, command)
        assert _verdict(policy, "git branch") == "allow"  # does not enter submodules
    _bash("git status", ws, tmp_path)
    assert marker.exists(), "git status did not run the nested repository's fsmonitor"


def test_a_submodule_git_made_itself_stays_allowed(tmp_path: Path) -> None:
    up = _repo(tmp_path / "up")
    ws = _repo(tmp_path / "ws")
    _git(ws, "-c", "protocol.file.allow=always", "submodule", "-q", "add", str(up), "up")
    _git(ws, "commit", "-qm", "sub")
    assert (ws / "up" / ".git").is_file()  # a pointer into .git/modules
    with _policy(tmp_path, ws) as policy:
        assert _verdict(policy, "git status") == "allow", _explain(policy, "git status")


@pytest.mark.parametrize("layout", ["bare-files", "pointer"])
def test_a_workspace_root_whose_repository_is_content_asks(tmp_path: Path, layout: str) -> None:
    marker = tmp_path / "marker"
    bare = tmp_path / "source.git"
    _git(tmp_path, "init", "-q", "--bare", str(bare))
    ws = tmp_path / "ws"
    if layout == "bare-files":
        shutil.copytree(bare, ws)
        target = ws
    else:
        ws.mkdir()
        shutil.copytree(bare, ws / "evil.git")
        (ws / ".git").write_text("gitdir: evil.git\n")
        target = ws / "evil.git"
    _git(tmp_path, "--git-dir", str(target), "config", "diff.external", str(_plant(tmp_path / "ext", marker)))
    with _policy(tmp_path, ws) as policy:
        for command in ("git diff HEAD~1 HEAD", "git log -p", "git status"):
            assert _verdict(policy, command) != "allow", _explain(policy, command)


@pytest.mark.parametrize("setting", ["hooks", "external", "textconv-word", "include"])
def test_git_config_that_runs_work_tree_files_asks_and_really_does(tmp_path: Path, setting: str) -> None:
    ws = _repo(tmp_path / "ws")
    marker = tmp_path / "marker"
    if setting == "hooks":
        _plant(ws / ".hooks" / "post-index-change", marker)
        _git(ws, "config", "core.hooksPath", ".hooks")
        run = "sleep 1; touch a.txt; git status"
    elif setting == "external":
        _plant(ws / "scripts" / "d.sh", marker)
        _git(ws, "config", "diff.external", "scripts/d.sh")
        run = "echo b >> a.txt; git diff"
    elif setting == "textconv-word":
        _plant(ws / "conv.sh", marker)
        _git(ws, "config", "diff.external", "sh conv.sh")
        run = "echo b >> a.txt; git diff"
    else:
        program = _plant(tmp_path / "monitor", marker)
        (ws / ".gitconfig").write_text(f'[core]\n\tfsmonitor = "{program}"\n')
        _git(ws, "config", "include.path", "../.gitconfig")
        run = "git status"
    assert worktree_code(str(ws), str(tmp_path)) is not None
    with _policy(tmp_path, ws) as policy:
        for command in ("git status", "git diff", "git log -p"):
            assert _verdict(policy, command) != "allow", _explain(policy, command)
    _bash(run, ws, tmp_path)
    assert marker.exists(), f"git did not run the work-tree file for {setting}"


def test_git_config_naming_programs_on_path_stays_allowed(tmp_path: Path) -> None:
    ws = _repo(tmp_path / "ws")
    # The user's own config (round 5: the repository's own config naming any program asks — a `.git` that
    # came with the content is not the user's, and `sh` as a textconv or pager runs content too).
    (tmp_path / ".gitconfig").write_text("[diff \"x\"]\n\ttextconv = cat\n")
    _git(ws, "config", "core.hooksPath", ".hooks")  # a hooks directory without post-index-change
    (ws / ".hooks").mkdir()
    assert worktree_code(str(ws), str(tmp_path)) is None
    with _policy(tmp_path, ws) as policy:
        assert _verdict(policy, "git status") == "allow"


@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_the_index_reader_finds_gitlinks_in_every_index_version(tmp_path: Path, version: str) -> None:
    ws = _repo(tmp_path / "ws")
    head = _git(ws, "rev-parse", "HEAD")
    for index in range(30):
        (ws / f"dir{index}").mkdir()
        (ws / f"dir{index}" / "f.txt").write_text(str(index))
    _git(ws, "add", "-A")
    _git(ws, "update-index", "--add", "--cacheinfo", f"160000,{head},dir3/link")
    _git(ws, "update-index", "--add", "--cacheinfo", f"160000,{head},zz/link")
    _git(ws, "update-index", "--index-version", version)
    expected = [line.split("\t")[1] for line in _git(ws, "ls-files", "-s").splitlines()
                if line.startswith("160000")]
    assert list(parse_gitlinks((ws / ".git" / "index").read_bytes()) or ()) == expected


# F13, F14, F19: the shell session.


def _session_shell(argv: list[str], sends: list[str], cwd: Path) -> bytes:
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execve(argv[0], argv, {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "TERM": "xterm"})  # noqa: S606
    out = _drain(fd, 0.6)
    for send in sends:
        os.write(fd, send.encode() + b"\n")
        out += _drain(fd, 0.8)
    os.write(fd, b"exit\n")
    out += _drain(fd, 0.5)
    os.waitpid(pid, 0)
    return out


@pytest.mark.skipif(sys.platform != "linux", reason="the session's PTY behaviour is checked on Linux")
def test_the_session_shell_runs_the_text_that_was_judged(rich: Rich) -> None:
    """With readline and history expansion (the old session shell) a judged send was rewritten: `!-1:1:s/…/`
    spliced an earlier line in, TAB completed `d/` to the link `d/l`. The session shell runs neither."""
    from vtcode_bash_runner.shell_session import SHELL

    policy, ws, _ = rich
    sends = ["echo X$(true)Y", "cat !-1:1:s/true/touch pwned/", "cat d/\t"]
    for send in sends:
        assert _verdict(policy, send) == "allow", _explain(policy, send)
    old = _session_shell(["/bin/bash", "--noprofile", "--norc", "-i"], sends, ws)
    assert b"outside-secret" in old and (ws / "pwned").exists()  # the threat is real
    (ws / "pwned").unlink()
    new = _session_shell(list(SHELL), sends, ws)
    assert b"outside-secret" not in new and not (ws / "pwned").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="the canonical line limit is checked on Linux")
def test_a_line_the_terminal_would_cut_is_refused_by_the_session(rich: Rich) -> None:
    from vtcode_bash_runner.shell_session import LINE_LIMIT, SHELL

    policy, ws, _ = rich
    long_line = "echo '" + "a" * 5000 + "'"
    follow = "echo \"'; cat d/l; #\""
    assert _verdict(policy, long_line) == "allow" and _verdict(policy, follow) == "allow"
    out = _session_shell(list(SHELL), [long_line, follow], ws)
    assert b"outside-secret" in out  # the kernel cut the quote off; the next send ran inside it
    assert len(long_line.encode()) >= LINE_LIMIT  # ...so the session refuses such a line


def test_a_send_to_a_session_is_judged_as_persistent(rich: Rich) -> None:
    policy = rich[0]

    def send(command: str, session: str | None) -> str:
        args = {"action": "send", "command": command, **({"session_id": session} if session else {})}
        action = ActionRequest(kind="command", args=args, shell=command)
        return policy.engine.decide(action).verdict.value

    assert send("cat $USER", None) == "allow" and send("cat $USER", "ab12") != "allow"
    assert send("printf x >/dev/stdout", None) == "allow" and send("printf x >/dev/stdout", "ab12") != "allow"
    assert send("make test", None) == "allow" and send("make test", "ab12") != "allow"
    assert send("cat a.txt", "ab12") == "allow"


@pytest.mark.skipif(sys.platform != "linux", reason="/proc is read for the shell's directory")
def test_the_session_judges_a_send_from_where_its_shell_is(tmp_path: Path) -> None:
    from vtcode_bash_runner.shell_session import SHELL, _moved, _shell_cwd

    (tmp_path / "sub").mkdir()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(tmp_path)
        os.execv(SHELL[0], list(SHELL))  # noqa: S606
    _drain(fd, 0.6)
    assert _moved(fd, str(tmp_path)) is None
    os.write(fd, b"cd sub\n")
    _drain(fd, 0.6)
    assert _shell_cwd(fd) == str((tmp_path / "sub").resolve())
    assert _moved(fd, str(tmp_path)) == str((tmp_path / "sub").resolve())
    assert _moved(fd, str(tmp_path / "sub")) is None
    os.write(fd, b"exit\n")
    _drain(fd, 0.5)
    os.waitpid(pid, 0)


def test_always_is_not_offered_where_the_approval_would_not_apply(rich: Rich) -> None:
    """"Always" saves argvs without a place: an answer given after `cd vendor/x` (or with a tool cwd, or in a
    shell session) would allow the same argv at the workspace root, which the person never saw."""
    policy = rich[0]
    assert policy.engine.decide_command(shell="mkdir y").always_offerable
    assert not policy.engine.decide_command(shell="cd vendor/x && mkdir y").always_offerable
    elsewhere = ActionRequest(kind="command", shell="mkdir y", path="vendor/x")
    assert policy.engine.judge(elsewhere).decision.verdict.value == "prompt"
    assert not policy.engine.judge(elsewhere).always_offerable
    session = ActionRequest(kind="command", shell="mkdir y", args={"action": "send", "session_id": "ab12"})
    assert not policy.engine.judge(session).always_offerable
