"""Programs that run another program given in their argv: sudo, env, timeout, xargs, find -exec ...

Each is reported itself (so policy can refuse `sudo`) and the program it runs is reported as its own command,
with the wrapper recorded. Option tables follow the GNU/util-linux/sudo getopt strings: a wrong table would
let `wrapper -X prog` hide `prog`, so unknown options are problems, not guesses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .context import Launch, Outcome
from .envsplit import split_env_string
from .options import OptionSpec, Scan, names, scan
from .words import Word

# env (and sudo) take any word holding `=` before the command as an assignment, even
# `BASH_FUNC_ls%%=() { ... }`, which is how a function is smuggled into a child bash.
_ASSIGNMENT = re.compile(r"[^=]*=")


@dataclass(frozen=True)
class WrapperSpec:
    options: OptionSpec
    operands: int = 0  # operands before the command: timeout DURATION, chroot NEWROOT, taskset MASK
    no_exec: frozenset[str] = frozenset()  # options after which nothing is run: command -v, ionice -p
    assignments: bool = False  # NAME=value words may precede the command (env, sudo)
    bare: str | None = None  # problem when no command follows (it starts an interactive shell instead)


def _spec(
    flags: str = "",
    with_arg: str = "",
    *,
    optional_arg: str = "",
    long_flags: str = "",
    long_with_arg: str = "",
    long_optional: str = "",
    numeric: bool = False,
    dash_is_flag: bool = False,
) -> OptionSpec:
    return OptionSpec(
        flags,
        with_arg,
        optional_arg,
        names(long_flags),
        names(long_with_arg),
        names(long_optional),
        numeric=numeric,
        dash_is_flag=dash_is_flag,
    )


_HELP = "help version"
SPECS: dict[str, WrapperSpec] = {
    "timeout": WrapperSpec(
        _spec(
            "v",
            "ks",
            long_flags=f"preserve-status foreground verbose {_HELP}",
            long_with_arg="kill-after signal",
        ),
        operands=1,
    ),
    "nice": WrapperSpec(_spec("", "n", long_with_arg="adjustment", long_flags=_HELP, numeric=True)),
    "nohup": WrapperSpec(_spec(long_flags=_HELP)),
    "stdbuf": WrapperSpec(_spec("", "ioe", long_with_arg="input output error", long_flags=_HELP)),
    "setsid": WrapperSpec(_spec("cfwhV", long_flags=f"ctty fork wait {_HELP}")),
    "time": WrapperSpec(
        _spec(
            "pavqV",
            "fo",
            long_flags=f"portability append verbose quiet {_HELP}",
            long_with_arg="format output",
        )
    ),
    "command": WrapperSpec(_spec("pvV"), no_exec=frozenset("vV")),
    "builtin": WrapperSpec(_spec()),
    "exec": WrapperSpec(_spec("cl", "a")),
    "unbuffer": WrapperSpec(_spec("p")),
    "busybox": WrapperSpec(_spec()),
    "chroot": WrapperSpec(
        _spec(long_with_arg="userspec groups", long_flags=f"skip-chdir {_HELP}"),
        operands=1,
        bare="chroot without a command starts an interactive shell",
    ),
    "ionice": WrapperSpec(
        _spec("thV", "cnpPu", long_with_arg="class classdata pid pgid uid", long_flags=f"ignore {_HELP}"),
        no_exec=names("p P u pid pgid uid"),
    ),
    "sudo": WrapperSpec(
        _spec(
            "AbBEeHiKklNnPSsVv",
            "aCcDgpRrTtUu",
            optional_arg="h",
            long_flags="askpass background bell edit set-home login remove-timestamp reset-timestamp list "
            f"non-interactive preserve-groups stdin shell validate no-update {_HELP}",
            long_with_arg="auth-type close-from chdir group login-class prompt chroot role type "
            "command-timeout other-user user",
            long_optional="preserve-env host",
        ),
        no_exec=names(f"e l v V K edit list validate remove-timestamp {_HELP}"),
        assignments=True,
    ),
    "doas": WrapperSpec(_spec("Lns", "Cu"), no_exec=frozenset("CL")),
    "env": WrapperSpec(
        _spec(
            "i0v",
            "uCS",
            long_flags=f"ignore-environment null debug list-signal-handling {_HELP}",
            long_with_arg="unset chdir split-string",
            long_optional="block-signal default-signal ignore-signal",
            dash_is_flag=True,
        ),
        assignments=True,
    ),
}

_XARGS = _spec(
    "0oprtx",
    "adEILnPs",
    optional_arg="eil",
    long_flags=f"null open-tty interactive no-run-if-empty verbose exit show-limits {_HELP}",
    long_with_arg="arg-file delimiter max-args max-procs max-chars process-slot-var",
    long_optional="eof replace max-lines",
)
_TASKSET = _spec("acpVh", long_flags=f"all-tasks cpu-list pid {_HELP}")
_FLOCK = _spec(
    "sexnoFuhV",
    "wE",
    long_flags=f"shared exclusive unlock nonblock nb close no-fork verbose {_HELP}",
    long_with_arg="timeout wait conflict-exit-code",
)
_FIND_ACTIONS = frozenset({"-exec", "-execdir", "-ok", "-okdir"})


def run_prefix(head: Word, args: list[Word], spec: WrapperSpec, *, via: str | None = None) -> Outcome:
    """The generic case: options, fixed operands, optional NAME=value words, then the command."""
    name = via or head.value.rsplit("/", 1)[-1]
    values = [w.value for w in args]
    found = scan(values, spec.options)
    if found.error:
        return Outcome(problems=[f"{name}: {found.error}; cannot tell which program it runs"])
    if found.has(*spec.no_exec):
        return Outcome()
    start = found.rest + spec.operands
    if start > len(args):
        return Outcome()  # missing operand: the wrapper fails without running anything
    assignments: list[tuple[str, str]] = []
    while spec.assignments and start < len(args) and _ASSIGNMENT.match(values[start]):
        key, _, value = values[start].partition("=")
        assignments.append((key, value))
        start += 1
    problems = _split_problems(name, args[:start])
    if start == len(args):
        return Outcome(problems=problems + ([spec.bare] if spec.bare else []))
    launch = Launch(name, args[start:], (head.value, *values[:start]), tuple(assignments))
    return Outcome([launch], problems)


def _split_problems(name: str, own: list[Word]) -> list[str]:
    # `sudo $OPTS rm`: an unquoted expansion may become several words (options, or a different program),
    # so the boundary between the wrapper's arguments and the command is unknowable.
    if any(w.splits for w in own):
        return [f"{name}: an unquoted expansion among its own arguments hides which program it runs"]
    return []


def run_env(head: Word, args: list[Word]) -> Outcome:
    """env, including -S STRING, which GNU env splits and reads as further arguments."""
    found = scan([w.value for w in args], SPECS["env"].options)
    text = None if found.error else found.value("S", "split-string")
    if text is None:
        return run_prefix(head, args, SPECS["env"])
    parts = split_env_string(text)
    if parts is None or any(w.splits for w in args[: found.rest]):
        return Outcome(problems=["env -S: the split string uses ${VAR} or syntax that cannot be followed"])
    outcome = run_env(head, [Word(p) for p in parts] + args[found.rest :])
    for launch in outcome.launches:  # report the wrapper as written, not the re-split form
        launch.prefix = (head.value, *(w.value for w in args[: found.rest]), *launch.prefix[1:])
    return outcome


def run_sudo(head: Word, args: list[Word]) -> Outcome:
    outcome = run_prefix(head, args, SPECS["sudo"], via="sudo")
    found = scan([w.value for w in args], SPECS["sudo"].options)
    if found.has("h") and found.value("h") is None:
        return Outcome()  # plain -h is help
    if not outcome.launches and not outcome.problems and found.has("s", "i", "shell", "login"):
        outcome.problems.append("sudo -s/-i without a command starts an interactive shell")
    return outcome


def run_doas(head: Word, args: list[Word]) -> Outcome:
    outcome = run_prefix(head, args, SPECS["doas"], via="doas")
    if not outcome.launches and scan([w.value for w in args], SPECS["doas"].options).has("s"):
        outcome.problems.append("doas -s starts an interactive shell")
    return outcome


def run_exec(head: Word, args: list[Word]) -> Outcome:
    """`exec -a NAME prog`: NAME becomes prog's argv[0], and multi-call programs act on it — git invoked as
    `git-apply` is `git apply`, busybox as `rm` is rm. The rule judged is prog's, so any other NAME is a
    program the policy did not look at."""
    outcome = run_prefix(head, args, SPECS["exec"], via="exec")
    found = scan([w.value for w in args], SPECS["exec"].options)
    option = found.last("a")
    if option is not None and outcome.launches:
        program = outcome.launches[0].argv[0] if outcome.launches[0].argv else None
        same = program is not None and not program.dynamic and not args[option.at].dynamic and (
            option.value == program.value.rsplit("/", 1)[-1])
        if not same:
            outcome.problems.append("exec -a gives the program another argv[0], which multi-call programs "
                                    "(git-*, busybox) act on")
    return outcome


def run_taskset(head: Word, args: list[Word]) -> Outcome:
    found = scan([w.value for w in args], _TASKSET)
    if found.has("p", "pid"):
        return Outcome()  # acts on an existing process
    return run_prefix(head, args, WrapperSpec(_TASKSET, operands=1), via="taskset")


def run_flock(head: Word, args: list[Word]) -> Outcome:
    """flock [opts] FILE COMMAND... | flock [opts] FILE -c STRING | flock [opts] FD (runs nothing)."""
    values = [w.value for w in args]
    found = scan(values, _FLOCK)
    if found.error:
        return Outcome(problems=[f"flock: {found.error}; cannot tell which program it runs"])
    start = found.rest + 1  # after the lock file
    problems = _split_problems("flock", args[:start])
    if start >= len(args):
        return Outcome(problems=problems)
    if values[start] in ("-c", "--command"):
        if start + 1 >= len(args):
            return Outcome(problems=problems)
        return Outcome([Launch("flock -c", script=args[start + 1])], problems)
    return Outcome([Launch("flock", args[start:], (head.value, *values[:start]))], problems)


def run_xargs(head: Word, args: list[Word]) -> Outcome:
    """xargs appends (or with -I substitutes) words read from its input: the command's arguments are
    only known at run time, and a replace string inside `sh -c '... {}'` makes the script itself dynamic."""
    values = [w.value for w in args]
    found = scan(values, _XARGS)
    if found.error:
        return Outcome(problems=[f"xargs: {found.error}; cannot tell which program it runs"])
    replace = _replace_string(found)
    inner = args[found.rest :] or [Word("echo")]  # xargs with no command runs echo
    if replace:
        inner = [Word(w.value, True, w.splits) if replace in w.value else w for w in inner]
    launch = Launch("xargs", inner, (head.value, *values[: found.rest]), runtime_args=True)
    return Outcome([launch], _split_problems("xargs", args[: found.rest]))


def _replace_string(found: Scan) -> str | None:
    for option in found.options:
        if option.name == "I":
            return option.value
        if option.name in ("i", "replace"):
            return option.value or "{}"
    return None


def run_find(head: Word, args: list[Word]) -> Outcome:
    """find ... -exec CMD {} ; / + (and -execdir, -ok, -okdir): each clause runs CMD per file."""
    outcome = Outcome()
    # `find $DIR -name x`: an unquoted expansion could supply `-exec prog ;` itself.
    if any(w.splits for w in args):
        outcome.problems.append("find: an unquoted expansion could add -exec or -delete actions")
    i = 0
    while i < len(args):
        action = args[i].value
        if action not in _FIND_ACTIONS:
            i += 1
            continue
        end = _find_clause_end(args, i + 1)
        if end is None:
            outcome.problems.append(f"find {action} without a terminating ';' or '+'")
            return outcome
        # GNU find replaces `{}` anywhere inside an argument, even inside `sh -c '... {}'`.
        inner = [Word(w.value, True, w.splits) if "{}" in w.value else w for w in args[i + 1 : end]]
        if inner:
            prefix = (head.value, *(w.value for w in args[: i + 1]))
            outcome.launches.append(Launch(f"find {action}", inner, prefix, runtime_args=True))
        i = end + 1
    return outcome


def _find_clause_end(args: list[Word], start: int) -> int | None:
    for j in range(start, len(args)):
        if args[j].value == ";" or (args[j].value == "+" and j > start and args[j - 1].value == "{}"):
            return j
    return None


def _generic(name: str) -> Callable[[Word, list[Word]], Outcome]:
    spec = SPECS[name]
    return lambda head, args: run_prefix(head, args, spec, via=name)


HANDLERS: dict[str, Callable[[Word, list[Word]], Outcome]] = {
    **{name: _generic(name) for name in SPECS},
    "env": run_env,
    "sudo": run_sudo,
    "doas": run_doas,
    "taskset": run_taskset,
    "exec": run_exec,
    "flock": run_flock,
    "xargs": run_xargs,
    "find": run_find,
}
