"""Checks that apply to every command whatever its rule: variables that inject code, reverse shells,
downloads piped into interpreters, scripts run from process substitutions, and secrets."""

from __future__ import annotations

import re
from collections.abc import Iterable

from vtcode_hookspecs import RuleId

from vtcode.policy.shell import ParseResult, SimpleCommand
from vtcode.policy.shell.environment import dangerous_variable

from .outcome import Outcome
from .paths import PathChecker

INTERPRETERS = frozenset(
    {
        "sh",
        "bash",
        "dash",
        "zsh",
        "ksh",
        "fish",
        "csh",
        "tcsh",
        "python",
        "python3",
        "python2",
        "perl",
        "ruby",
        "node",
        "nodejs",
        "deno",
        "bun",
        "php",
        "lua",
        "tclsh",
        "Rscript",
        "osascript",
        "pwsh",
        "awk",
        "gawk",
    }
)
_FETCHERS = frozenset(
    {"curl", "wget", "fetch", "nc", "ncat", "netcat", "socat", "aria2c", "http", "https", "xh"}
)
_KEY_NAMES = frozenset({"id_rsa", ".netrc"})  # bare names worth a secret check (the rest need a `/`)
_ONE_LINER_FLAGS = frozenset({"-c", "-e", "-E", "--eval", "-r"})
# A one-liner that opens a socket and hands it a shell or a process: a reverse shell in any language.
_REVERSE_SHELL = re.compile(r"socket|TCPSocket|fsockopen|/dev/tcp|net\.connect|Socket\(", re.IGNORECASE)
_SOCAT_EXEC = re.compile(r"exec:|system:", re.IGNORECASE)
_VERSION_SUFFIX = re.compile(r"[\d.]+$")  # python3.12 -> python
_SPAWNS = re.compile(
    r"subprocess|pty\.spawn|dup2|exec\(|system\(|spawn|popen|/bin/(ba)?sh|exec\s", re.IGNORECASE
)


def interpreter_name(name: str) -> bool:
    return name in INTERPRETERS or _VERSION_SUFFIX.sub("", name) in INTERPRETERS


def assignment_outcomes(command: SimpleCommand, label: RuleId) -> list[Outcome]:
    return [
        Outcome.deny(
            f"sets {name}, which makes programs load or run code not visible here", label.at(f"env:{name}")
        )
        for name, _ in command.assignments
        if dangerous_variable(name) and not (name == "IFS" and _splits_its_own_input(command))
    ]


def _splits_its_own_input(command: SimpleCommand) -> bool:
    """`while IFS= read -r line`: IFS as a prefix of the builtin that splits the line only changes how
    that line is split; no other command sees it."""
    return command.name in ("read", "mapfile", "readarray") and not command.wrappers


def variable_outcomes(parsed: ParseResult) -> list[Outcome]:
    """Assignments as statements (`PATH=.; ls`, `export LD_PRELOAD=x`, `for HOME in .`, `${PATH:=.}`) are
    judged like prefixes: every command after them may see the value (PATH, HOME, IFS... are exported
    already, and `set -a` exports the rest), whatever the order and subshells."""
    return [
        Outcome.deny(
            f"sets {name} for the commands after it, which makes programs load or run code not visible here",
            RuleId("variables", detail=name),
        )
        for name, _ in dict.fromkeys(parsed.variables)
        if dangerous_variable(name)
    ]


def reverse_shell_outcomes(command: SimpleCommand, label: RuleId) -> list[Outcome]:
    found = []
    name = command.name
    # One string instead of a loop over the arguments; "\0" is in neither needle, so no match spans two.
    joined = "\0".join(command.argv)
    if "/dev/tcp/" in joined or "/dev/udp/" in joined:
        found.append(Outcome.deny("opens a network connection through /dev/tcp (reverse shell)", label))
    if name in {"nc", "ncat", "netcat"} and any(
        a in {"-e", "-c"} or a.startswith("--exec") for a in command.argv[1:]
    ):
        found.append(Outcome.deny("netcat with -e/-c hands a shell to the network (reverse shell)", label))
    if name == "socat" and any(_SOCAT_EXEC.search(a) for a in command.argv):
        found.append(Outcome.deny("socat exec:/system: hands a process to the network", label))
    if interpreter_name(name):
        for index, arg in enumerate(command.argv[1:-1], start=1):
            if arg in _ONE_LINER_FLAGS:
                body = command.argv[index + 1]
                if _REVERSE_SHELL.search(body) and _SPAWNS.search(body):
                    found.append(
                        Outcome.deny(
                            "interpreter one-liner connects a socket to a process (reverse shell)", label
                        )
                    )
    return found


def pipeline_outcomes(parsed: ParseResult) -> list[Outcome]:
    """`curl ... | sh`: a download run as code. Also an interpreter fed a process substitution."""
    found = []
    for command in parsed.commands:
        if not interpreter_name(command.name):
            continue
        reads_stdin = "pipeline" in command.via and not _has_script_argument(command)
        if reads_stdin and any(c.name in _FETCHERS for c in parsed.commands):
            found.append(
                Outcome.deny(f"pipes a download into {command.name} (curl | sh)",
                             RuleId("hazards", "download_exec"))
            )
        if any(arg.startswith(("<(", "/dev/fd/", "/proc/self/fd/")) for arg in command.argv[1:]):
            found.append(
                Outcome.deny(f"{command.name} runs a script produced at run time",
                             RuleId("hazards", "dynamic_script"))
            )
    return found


def _has_script_argument(command: SimpleCommand) -> bool:
    args = command.argv[1:]
    return any(a in _ONE_LINER_FLAGS for a in args) or any(not a.startswith("-") for a in args)


def secret_outcomes(args: Iterable[tuple[str, bool]], paths: PathChecker, label: RuleId) -> list[Outcome]:
    """Any argument that names a credential store is denied, whatever the command: `cat ~/.ssh/id_rsa`,
    `grep -r x ~/.aws`, `cp /etc/shadow .`."""
    found = []
    for arg, dynamic in args:
        looks_like_path = "/" in arg or arg.startswith(("~", ".")) or arg in _KEY_NAMES
        if dynamic or not looks_like_path:
            continue
        candidate = arg.partition("=")[2] if arg.startswith("-") and "=" in arg else arg
        if candidate and paths.check_path(candidate, write=False).secret:
            found.append(Outcome.deny(f"{arg!r} names a secret", label.at("secret")))
    return found
