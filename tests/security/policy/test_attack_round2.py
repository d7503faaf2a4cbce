"""The second outside review of the command policy (issue 15b), by class. Each class states what must never
happen; the cases are the reviewer's plus variants of each trick. "deny" must be denied; "not-allow" must at
least be asked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from vtcode.policy.assemble import PolicySetup, open_policy
from vtcode.workspace import write_trust

CODE = "touch pwned"

# A: declaration builtins re-read a compound value (quoted or not) and evaluate subscripts as arithmetic.
DECLARATION_CODE = [
    f"declare -a b='($({CODE}))'",
    f"declare -a 'b=($({CODE}))'",
    f"typeset -a 'b=($({CODE}))'",
    f"readonly -a 'b=($({CODE}))'",
    f"local -a 'b=($({CODE}))'",
    f"declare -A 'A=([$({CODE})]=1)'",
    f"declare -a b=(['$({CODE})']=1)",
    f"export b=(['$({CODE})']=1)",
    f"x='a[$({CODE})]'; declare -a b=([x]=1)",
    "x='a[$(touch pwned)]'; declare b[x]=1",
    "declare -a b=$x",
    f"declare -a \"b=(\\$({CODE}))\"",
    f"declare -a b{{,}}='($({CODE}))'",
    "declare -a m=([x]=1)",
    "declare -a m=([0]=a [x]=b)",
    f"declare -A m=([$({CODE})]=1)",
    f"declare -A 'm=([k]=$({CODE}))'",
    "declare m=([k]=v)",
]

# A: other builtins that run code or set a prompt string the shell expands.
BUILTINS_THAT_RUN = [
    f"jobs -x {CODE}",
    "jobs -x rm -rf ~",
    f"PS4[0]='$({CODE})'; set -x; :",
    f"printf -vPS4 '$({CODE})'; set -x; :",
    f"printf -v PS4 '$({CODE})'; set -x; :",
    f"export {{PS4='$({CODE})',}}; set -x; :",
    f"PS3='$({CODE})'; select x in a; do :; done",
    f"declare PS{{4,}}='$({CODE})'; set -x; :",
    f"typeset -x P{{S4,}}='$({CODE})'",
]

# A: brace expansion happens before the command sees its words, in arguments and in redirections.
BRACES_DENY = [
    "sort {--output=.git/config,a.txt}",
    "git diff {--output=.git/config,HEAD}",
    "git log {--output=.git/config,}",
    "tree {-o,.git/config}",
    "cat {/etc/shadow,a.txt}",
    "head {~/.ssh/id_rsa,a.txt}",
    "echo x >{.git/hooks/pre-commit,}",
    "echo x >>{.git/config,}",
    "echo x >.git/hooks/{pre-commit,}",
    "export {PATH,X}=.; ls",
    "export PA{TH,}=.; ls",
    "export {LD_PRELOAD=./x.so,}",
    "declare -x {PATH=.,}",
    "{rm,-rf,/}",
    "cat {/etc/shadow,}{,}",
]
BRACES_ASK = [
    "rg {--pre=sh,-e} x",
    "grep {-f/etc/shadow,a.txt}",
    "tail {-n1,/etc/shadow}",
    "ls ~{,}",
    "ls {..,.}",
    "cat <{/etc/passwd,}",
    "cat {a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}",
    "cat {1..100000}",
]

# B: the builtin parses its argument after quote removal and brace expansion: any spelling sets the name.
STATEMENT_ASSIGNMENTS_DENY = [
    'export P"A"TH=.; ls',
    "export P'A'TH=.",
    'export PATH"=."',
    "export PATH$'='.; ls",
    'export LD_PRE"LOAD"=./x.so; ls',
    'declare -x P"A"TH=.',
    'readonly P"A"TH=.',
    'typeset -x LD_"PRELOAD"=./x.so',
    'local P"A"TH=.',
    "PATH[0]=.; ls",
    "PATH[0]+=:.; ls",
    "LD_PRELOAD[0]=./x.so; ls",
    "f() { ls; }; PATH=. f",
    "f() { ls; }; LD_PRELOAD=./x.so f",
    "f() { git status; }; GIT_DIR=evil.git f",
    "f() { git status; }; HOME=. f",
    "f() { ls; }; PATH+=:. f",
]
STATEMENT_ASSIGNMENTS_ASK = [
    "printf -vPATH .; ls",
    "read -aPATH <<< .; ls",
    "read -raPATH <<< .; ls",
    "read -r -a LD_PRELOAD <<< ./x.so; ls",
    "read -aPS4 <<< '$(id)'; set -x; :",
    "sleep 0 & wait -n -pPATH; ls",
    "sleep 0 & wait -np PATH; ls",
    "printf -vLD_PRELOAD ./x.so; export LD_PRELOAD; ls",
    "export LD_PRELOAD",
    "declare -x LD_PRELOAD",
    "typeset -x PATH",
    "unset PATH; ls",
    "unset -v PATH; ls",
    "set -k; ls LD_PRELOAD=./x.so",
    "set -k; git status GIT_DIR=evil.git",
    "set -o keyword; ls",
    "set -ek; ls",
    "f() { local PATH; ls; }; f",
    "f() { declare PATH; ls; }; f",
    "f() { typeset LD_LIBRARY_PATH; ls; }; f",
]

# C: git pointed at a directory of the workspace as its git directory; env -S keeps its -C.
GIT_ELSEWHERE = [
    "git --bare log -p",
    "git --bare diff HEAD",
    "git --bare show",
    "git --bare status",
    "git -C bare.git --bare log -p",
    "env -S'-C bare.git git log -p'",
    "env -S'-C ~/.ssh cat id_rsa'",
    "env -S'-C / cat etc/shadow'",
    "env --split-string='-C bare.git git log -p'",
    "env -iS'-C /etc cat passwd'",
    "env -S'-iC /etc cat passwd'",
    "env -S'-u X -C /etc cat passwd'",
    "env -iC/etc cat passwd",
    "env -u X -C /etc cat passwd",
    "env -S'-C bare.git' git log -p",
]

# D: options that write or read a file the table did not type, and the shell builtins copied under git.
FILE_OPTIONS_DENY = [
    "git reflog -1 --format='[core]%n%x09fsmonitor = \"touch x; false\"' --output=.git/config",
    "git reflog --output=vtcode.toml",
    "git shortlog --output=.git/hooks/pre-commit HEAD",
    "git blame --output=vtcode.toml a.txt",
    "git blame --outp=vtcode.toml a.txt",
    "git describe --output=x",
    "git ls-files --output=x",
    "file -C -m a.txt",
    "file --compile -m a.txt",
    "strings @/etc/shadow",
    "nm @/etc/shadow",
    "objdump @~/.ssh/id_rsa",
]
GIT_BUILTIN_TABLE = [
    "git export FOO=1",
    "git declare -x FOO=1",
    "git typeset FOO=1",
    "git local FOO=1",
    "git readonly FOO=1",
    "git unset FOO",
]

# What everyday work must keep allowing.
EVERYDAY = [
    "echo {a,b}.txt",
    "ls {1..3}",
    "for i in {1..5}; do echo $i; done",
    "declare -a arr=(a b c)",
    "declare -A m",
    "declare -A m=([k]=v [k2]=v2)",
    "declare -a m=([0]=a [1]=b)",
    "local -a 'x=([0]=1)'",
    "export FOO=bar",
    "export FOO=$(pwd)",
    "printf -v x '%s' y",
    "read -ra parts <<< 'a b'",
    "IFS=, read -r -a fields <<< 'a,b'",
    "unset FOO",
    "declare -p PATH",
    "export -p",
    "f() { local x; ls; }; f",
    "set -euo pipefail",
    "f() { ls; }; FOO=1 f",
    "git status",
    "git blame a.txt",
    "git shortlog -sn",
    "git reflog",
    "file a.txt",
    "strings a.txt",
    "strings @a.txt",
    "cat a.txt",
    "git log --oneline -n 5",
    "env FOO=1 ls -C",
    "env -u -C cat a.txt",
]


def _verdict(policy: PolicySetup, command: str) -> tuple[str, str]:
    decision = policy.engine.decide_command(shell=command).decision
    got = decision.verdict.value
    return got, f"{command!r} -> {got}: {decision.reason} ({decision.rule})"


@pytest.mark.parametrize("command", DECLARATION_CODE)
def test_declaration_compound_values_are_never_allowed(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got != "allow", context


@pytest.mark.parametrize("command", BUILTINS_THAT_RUN)
def test_builtins_that_run_code_are_never_allowed(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got != "allow", context


@pytest.mark.parametrize("command", BRACES_DENY)
def test_brace_expansion_is_judged_word_by_word(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got == "deny", context


@pytest.mark.parametrize("command", BRACES_ASK)
def test_brace_expansion_never_hides_a_read_or_option(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got != "allow", context


@pytest.mark.parametrize("command", STATEMENT_ASSIGNMENTS_DENY)
def test_assignment_spellings_set_the_variable(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got == "deny", context


@pytest.mark.parametrize("command", STATEMENT_ASSIGNMENTS_ASK)
def test_hidden_assignments_are_never_allowed(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got != "allow", context


@pytest.mark.parametrize("command", GIT_ELSEWHERE)
def test_git_bare_and_env_split_chdir_are_never_allowed(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got != "allow", context


@pytest.mark.parametrize("command", FILE_OPTIONS_DENY)
def test_untyped_file_options_are_denied(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got == "deny", context


@pytest.mark.parametrize("command", GIT_BUILTIN_TABLE)
def test_shell_builtins_are_not_git_subcommands(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got != "allow", context


@pytest.mark.parametrize("command", EVERYDAY)
def test_everyday_commands_stay_allowed(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got == "allow", context


def test_every_allowed_git_subcommand_refuses_output() -> None:
    """The class behind reflog/shortlog/blame --output: no git subcommand the table allows may write a file
    through --output."""
    table = json.loads((Path(__file__).parents[3] / "policies" / "tool-policy.json").read_text())
    git = table["commands"]["git"]["subcommands"]
    allowed = [name for name, rule in git.items() if rule["decision"] == "allow"]
    assert allowed
    for name in allowed:
        assert "--output" in (git[name].get("forbidden_flags") or {}), name
    assert not {"export", "declare", "typeset", "local", "readonly", "unset"} & set(git)


# D: a glob (or the names `ls` lists to xargs) matches what is on disk, symlinks included: each symlink the
# pattern can match is judged by its target.
GLOB_THROUGH_LINKS = [
    ("cat *", "not-allow"),
    ("head *", "not-allow"),
    ("wc -l *", "not-allow"),
    ("cat key*", "not-allow"),
    ("ls | xargs cat", "not-allow"),
    ("cat sub/*", "not-allow"),
    ("cat out*", "not-allow"),
    ("grep x *", "not-allow"),
    ("cat src/*", "not-allow"),
    ("cat shadow*", "deny"),
    ("head -n1 sh*", "deny"),
    ("find . -maxdepth 1 | xargs cat", "not-allow"),
]


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PolicySetup]:
    base = tmp_path_factory.mktemp("linked")
    home = base / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("-----BEGIN FAKE KEY-----\n")
    ws = base / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "sub").mkdir()
    (ws / "clean" / "deep").mkdir(parents=True)
    (ws / "clean" / "deep" / "c.txt").write_text("c\n")
    (ws / "clean" / "inner").symlink_to("deep")
    (ws / "a.txt").write_text("a\n")
    (ws / "src" / "a.py").write_text("print(1)\n")
    ws, home = ws.resolve(), home.resolve()
    (ws / "keylink").symlink_to(home / ".ssh" / "id_rsa")
    (ws / "sub" / "key").symlink_to(home / ".ssh" / "id_rsa")
    outside = base / "outside.txt"
    outside.write_text("x\n")
    (ws / "src" / "outlink").symlink_to(outside)
    (ws / "outlink").symlink_to(outside)
    (ws / "shadowlink").symlink_to("/etc/shadow")
    (ws / "sshdir").symlink_to(home / ".ssh")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        for name in ("CONFIG", "CACHE", "DATA"):
            mp.setenv(f"VTCODE_{name}_DIR", str(base / "vtcode" / name.lower()))
        mp.setenv("VTCODE_SYSTEM_CONFIG", str(base / "etc" / "vtcode.toml"))
        mp.setenv("VTCODE_MANAGED_CONFIG", str(base / "etc" / "managed.toml"))
        write_trust(ws)
        yield open_policy(ws, reviewers=False)


@pytest.mark.parametrize(("command", "want"), GLOB_THROUGH_LINKS)
def test_globs_are_judged_by_the_targets_of_the_links_they_match(
    linked: PolicySetup, command: str, want: str
) -> None:
    got, context = _verdict(linked, command)
    assert got != "allow" if want == "not-allow" else got == want, context


@pytest.mark.parametrize("command", ["cat *.txt", "cat src/*.py", "ls src/*.py", "cat a*"])
def test_globs_that_match_no_outward_link_stay_allowed(linked: PolicySetup, command: str) -> None:
    got, context = _verdict(linked, command)
    assert got == "allow", context


@pytest.mark.parametrize("command", ["cat */id_rsa", "cat sshdir/*", "head -1 */*"])
def test_globs_through_links_to_directories_are_judged(linked: PolicySetup, command: str) -> None:
    got, context = _verdict(linked, command)
    assert got != "allow", context


# D: programs that follow symlinks while they recurse read what the links point at.
RECURSIVE_THROUGH_LINKS = [
    ("grep -R x .", "deny"),
    ("grep -R x", "deny"),
    ("grep --dereference-recursive x .", "deny"),
    ("rg -L x", "deny"),
    ("rg --follow x .", "deny"),
    ("diff -r . src", "deny"),
    ("tar czhf o.tgz .", "deny"),
    ("tar --dereference -czf o.tgz .", "deny"),
    ("grep -R x src", "not-allow"),
    ("grep -R x $D", "not-allow"),
]


@pytest.mark.parametrize(("command", "want"), RECURSIVE_THROUGH_LINKS)
def test_recursive_reads_that_follow_links_are_judged_by_their_targets(
    linked: PolicySetup, command: str, want: str
) -> None:
    got, context = _verdict(linked, command)
    assert got != "allow" if want == "not-allow" else got == want, context


@pytest.mark.parametrize("command", ["grep -r x .", "rg x", "grep -R x clean", "diff -r clean clean"])
def test_recursive_reads_that_do_not_follow_links_stay_allowed(linked: PolicySetup, command: str) -> None:
    """`grep -r` and `rg` do not follow the symlinks they meet; under `clean` every link stays inside."""
    got, context = _verdict(linked, command)
    assert got == "allow", context


# Found by the composition property test while this work ran (it was in main): a newline inside a command
# substitution inside double quotes, before an escaped word, was read as part of one word.
SUBSTITUTION_LINES = [
    'echo "$( echo x\n\\rm -rf ~ )"',
    'echo "$( ls\n\\rm -rf ~ )"',
    'echo "<$( echo x\n\\rm -rf ~ )>"',
    'cat <<EOF\n$( echo x\n\\rm -rf ~ )\nEOF',
    'diff <( echo x\n\\rm -rf ~ ) a.txt',
]


@pytest.mark.parametrize("command", SUBSTITUTION_LINES)
def test_a_newline_in_a_quoted_substitution_ends_the_command(policy: PolicySetup, command: str) -> None:
    got, context = _verdict(policy, command)
    assert got == "deny", context
