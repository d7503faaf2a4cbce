"""Every option of the default table's commands that takes a file is typed (read_path / write_path), so the
jail judges it, or asks or denies by itself (prompt_flags / forbidden_flags). An untyped one is how `tree -o
.git/config` or `grep -f /etc/passwd` slipped through as a harmless switch.

Where the options come from: the installed program's own `--help` (any option whose value is named FILE,
DIR, PATH and the like), plus the options below that a `--help` leaves out or that this machine lacks. A
new rule, or a program that grows a file option, fails here until it is typed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from vtcode.config.command_rules import CommandRule
from vtcode.paths import policies_dir

RULES = {
    name: CommandRule.model_validate(rule)
    for name, rule in json.loads((policies_dir() / "tool-policy.json").read_text())["commands"].items()
}

# File options that `--help` does not show, or of programs not installed here (from their manuals).
DOCUMENTED: dict[str, set[str]] = {
    "tree": {"-o", "--gitfile", "--infofile", "--hintro", "--houtro"},
    "jq": {"-f", "--from-file", "-L", "--slurpfile", "--rawfile"},
    "rg": {"-f", "--file", "--ignore-file", "--pre"},
    "find": {"-files0-from", "-newer", "-anewer", "-cnewer", "-samefile", "-fprint", "-fprint0", "-fprintf",
             "-fls"},
    "sed": {"-f", "--file"},
    "file": {"-m", "--magic-file", "-f", "--files-from"},
    "hexdump": {"-f", "--format-file"},
    "hostname": {"-F", "--file"},
    "date": {"-f", "--file", "-r", "--reference"},
    "time": {"-o", "--output"},
    "xargs": {"-a", "--arg-file"},
    "env": {"-C", "--chdir"},
    "curl": {"-K", "--config", "-E", "--cert", "--key"},
    "wget": {"--config", "-O", "--output-document", "-o", "--output-file", "-a", "--append-output", "-P",
             "--directory-prefix", "-i", "--input-file"},
    "tar": {"-f", "--file", "-C", "--directory"},
    "man": {"-C", "--config-file", "-M", "--manpath"},
    "git": {"--git-dir", "--work-tree"},
    "git diff": {"--output", "-O"},
    "git log": {"--output", "-O"},
    "git show": {"--output", "-O"},
    "git blame": {"--contents", "-S", "--ignore-revs-file"},
    "git ls-files": {"-X", "--exclude-from"},
    "git grep": {"-f", "-O", "--open-files-in-pager"},
}
# Judged elsewhere, or not a file despite the metavariable, with why.
ELSEWHERE = {
    ("git", "-C"): "vtcode/policy/git_target.py: the repository git would work on",
    ("strace", "-y"): "--decode-fds=path is a decoding mode named 'path', not a file",
    ("strace", "--decode-fds"): "a decoding mode named 'path', not a file",
}
# Programs that run the project's (or any) code: every invocation asks and its files cannot be judged
# apart from the code it runs; the test checks that they do ask. (Rules whose reason says they run project
# code, interpreters, and these editors, debuggers and service managers.)
EDITORS_AND_SERVICES = frozenset({"gdb", "vim", "vi", "nano", "emacs", "systemctl", "service"})


def runs_code(name: str, rule: CommandRule) -> bool:
    """(A wrapper is allowed and runs code too, but what it runs is judged on its own: its files count.)"""
    return rule.decision != "allow" and (
        rule.interpreter or "runs project code" in rule.reason or name in EDITORS_AND_SERVICES
    )
# `test -f FILE` and its kin only look at a file's metadata.
PREDICATES = frozenset({"test", "["})
_META = re.compile(
    r"^<?(FILE\w*|F|RFILE|DATEFILE|DIR\w*|DIRECTORY|PATH|file( ?name)?|filename|path|dir|directory)>?$"
)
_OPTION = re.compile(r"^(--?[A-Za-z0-9][\w-]*)(?:\[?[= ]\[?(\S+?)\]?)?$")


def help_file_options(program: str) -> set[str]:
    """The options `program --help` lists with a file-like value."""
    exe = shutil.which(program)
    if exe is None:
        return set()
    args = [exe, "--help", "all"] if program == "curl" else [exe, "--help"]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return set()
    found: set[str] = set()
    for line in (done.stdout + done.stderr).splitlines():
        text = line.strip()
        if not text.startswith("-"):
            continue
        head = re.split(r"\s{2,}", text)[0]
        aliases: list[str] = []
        for part in re.split(r",\s*", head):
            match = _OPTION.match(part.strip())
            if match is None:
                continue
            option, meta = match.groups()
            if meta is None:
                aliases.append(option)
            elif _META.match(meta.strip("[]")):
                found |= {option, *aliases}
    return found


def _rule_at(path: str) -> CommandRule:
    name, *subs = path.split()
    rule = RULES[name]
    for sub in subs:
        assert rule.subcommands is not None and sub in rule.subcommands, f"{path}: no such subcommand rule"
        rule = rule.subcommands[sub]
    return rule


def _untyped(path: str, options: set[str]) -> list[str]:
    rule = _rule_at(path)
    name = path.split()[0]
    missing = []
    for option in sorted(options):
        if (name, option) in ELSEWHERE:
            continue
        if option in rule.forbidden_flags or option in rule.prompt_flags:
            continue
        if rule.flags is not None and rule.flags.get(option) in ("read_path", "write_path", "tar_archive"):
            continue
        missing.append(option)
    return missing


def _cases() -> list[str]:
    return sorted({*RULES, *DOCUMENTED})


@pytest.mark.parametrize("path", _cases())
def test_every_option_that_takes_a_file_is_typed(path: str) -> None:
    name = path.split()[0]
    rule = _rule_at(path)
    if rule.decision == "deny" or name in PREDICATES:
        return
    if runs_code(name, rule):
        return
    options = DOCUMENTED.get(path, set()) | (help_file_options(name) if path == name else set())
    missing = _untyped(path, options)
    assert not missing, f"{path}: options taking a file are untyped: {missing}"


def test_the_help_reader_finds_file_options() -> None:
    """The scanner itself: GNU sort and grep document these, and every Debian has them."""
    assert {"--output", "-o", "--files0-from", "--random-source", "-T"} <= help_file_options("sort")
    assert {"-f", "--file", "--exclude-from"} <= help_file_options("grep")


def test_an_untyped_file_option_is_caught() -> None:
    """The check fails for a rule that leaves a file option as a plain switch (the old `sort` shape)."""
    RULES["__probe__"] = CommandRule.model_validate({"flags": None, "rest": "read_path"})
    try:
        assert _untyped("__probe__", {"--files0-from"}) == ["--files0-from"]
    finally:
        del RULES["__probe__"]
