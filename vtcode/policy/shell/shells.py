"""Programs that run shell *text*: `bash -c BODY`, `eval`, `trap`, `su -c`, `watch`, `script -c` ...

The text is parsed again, recursively, so `bash -c 'curl x | sh'` is seen as curl and sh. Text that is only
known at run time (`bash -c "$CMD"`) cannot be parsed; that is a problem, reported by the caller.
"""

from __future__ import annotations

from .context import Launch, Outcome
from .model import Redirect
from .options import OptionSpec, names, scan
from .words import Word

# Shells whose -c text is bash-compatible enough to parse with the bash grammar.
POSIX_SHELLS = frozenset(
    {"sh", "bash", "dash", "zsh", "ksh", "mksh", "lksh", "pdksh", "oksh", "ash", "yash", "posh", "rbash"}
)
# Shells with a syntax of their own: their code strings cannot be parsed here.
OTHER_SHELLS = frozenset({"fish", "csh", "tcsh", "pwsh", "powershell", "nu", "elvish", "xonsh", "rc", "es"})
_SHELL_LONG_WITH_ARG = frozenset({"--rcfile", "--init-file"})

_SU = OptionSpec(
    flags="lmpfPhV",
    with_arg="cgGsw",
    long_flags=names("login preserve-environment fast pty help version"),
    long_with_arg=names("command session-command group supp-group shell whitelist-environment"),
    permute=True,
    dash_is_flag=True,
)
_RUNUSER = OptionSpec(
    _SU.flags,
    _SU.with_arg + "u",
    long_flags=_SU.long_flags,
    long_with_arg=_SU.long_with_arg | {"user"},
    permute=True,
    dash_is_flag=True,
)
_SCRIPT = OptionSpec(
    flags="aefqkhV",
    with_arg="cEIOBTmo",
    optional_arg="t",
    long_flags=names("append return flush force quiet help version"),
    long_with_arg=names("command echo log-in log-out log-io log-timing logging-format output-limit"),
    long_optional=frozenset({"timing"}),
    permute=True,
)
_WATCH = OptionSpec(
    flags="bcdeghtxpwrfv",
    with_arg="nq",
    long_flags=names(
        "beep color no-color errexit chgexit no-title exec precise no-wrap no-rerun follow help version"
    ),
    long_with_arg=frozenset({"interval", "equexit"}),
    long_optional=frozenset({"differences"}),
)


def run_shell(name: str, args: list[Word], stdin: Redirect | None) -> Outcome:
    """sh/bash/zsh/... : `-c BODY` (any bundle holding c: -lc, -ec, -xc), a script file, or stdin."""
    if name in OTHER_SHELLS:
        return _other_shell(name, args)
    i, command_mode, stdin_flag = _shell_options(args)
    problems = []
    # `sh $X -c ...` or `bash "$S" x`: an expansion among the options or as the script name can turn on (or
    # swallow) -c, so which text runs is unknowable.
    if any(w.dynamic for w in args[: i + 1]):
        problems.append(f"{name}: an expansion among its options or script name hides what it runs")
    operands = args[i:]
    if command_mode:
        if not operands:
            return Outcome(problems=[*problems, f"{name} -c without a command string"])
        return Outcome([Launch(f"{name} -c", script=operands[0])], problems)
    if operands and not stdin_flag:
        return Outcome(problems=problems)  # runs a script file: the policy decides on the interpreter itself
    if stdin is not None and stdin.body is not None:  # `bash <<'EOF' ... EOF`: the heredoc is the script
        return Outcome([Launch(f"{name} stdin", script=Word(stdin.body, stdin.dynamic))], problems)
    return Outcome(problems=[*problems, f"{name} reads commands from standard input, unknown here"])


def _shell_options(args: list[Word]) -> tuple[int, bool, bool]:
    """Index of the first operand, whether -c was given, whether -s was given."""
    command_mode = stdin_flag = False
    i = 0
    while i < len(args):
        value = args[i].value
        if value in ("--", "-"):
            return i + 1, command_mode, stdin_flag  # `bash -- -c x` runs a script file named -c
        if value in _SHELL_LONG_WITH_ARG:
            i += 2
            continue
        if value.startswith("--"):
            i += 1  # --norc, --login, --posix ...
            continue
        if len(value) < 2 or value[0] not in "-+":
            break
        letters = value[1:]
        command_mode = command_mode or (value[0] == "-" and "c" in letters)
        stdin_flag = stdin_flag or "s" in letters
        i += 1 + letters.count("o") + letters.count("O")  # -o OPTION / -O SHOPT take the next word
    return i, command_mode, stdin_flag


def _other_shell(name: str, args: list[Word]) -> Outcome:
    if args and not args[0].value.startswith("-"):
        return Outcome()  # a script file
    return Outcome(problems=[f"{name} code is not bash syntax and is not parsed"])


def run_su(name: str, args: list[Word]) -> Outcome:
    """su/runuser: `-c STRING` runs through the target user's shell; runuser -u USER -- CMD is an argv."""
    found = scan([w.value for w in args], _RUNUSER if name == "runuser" else _SU)
    if found.error:
        return Outcome(problems=[f"{name}: {found.error}"])
    body = found.last("c", "command", "session-command")
    if body is not None:
        return Outcome([Launch(f"{name} -c", script=_option_word(args, body.at, body.value))])
    if found.has("u", "user"):
        if not found.operands:
            return Outcome(problems=[f"{name} -u without a command starts an interactive shell"])
        argv = [args[i] for i in found.operands]
        return Outcome([Launch(name, argv, (name, *(w.value for w in args[: found.operands[0]])))])
    return Outcome(problems=[f"{name} without -c starts a shell that reads commands from standard input"])


def run_script(name: str, args: list[Word]) -> Outcome:
    found = scan([w.value for w in args], _SCRIPT)
    if found.error:
        return Outcome(problems=[f"script: {found.error}"])
    body = found.last("c", "command")
    if body is None:
        return Outcome(problems=["script without -c starts an interactive shell"])
    return Outcome([Launch("script -c", script=_option_word(args, body.at, body.value))])


def run_watch(name: str, args: list[Word]) -> Outcome:
    """watch joins its arguments with spaces and hands them to `sh -c`, unless -x (then it is an argv)."""
    found = scan([w.value for w in args], _WATCH)
    if found.error:
        return Outcome(problems=[f"watch: {found.error}"])
    rest = args[found.rest :]
    if not rest:
        return Outcome()
    if found.has("x", "exec"):
        return Outcome([Launch("watch", rest, (name, *(w.value for w in args[: found.rest])))])
    text = " ".join(w.value for w in rest)
    return Outcome([Launch("watch", script=Word(text, any(w.dynamic for w in rest)))])


def run_nix_shell(name: str, args: list[Word]) -> Outcome:
    for i, word in enumerate(args[:-1]):
        if word.value in ("--run", "--command"):
            return Outcome([Launch(f"{name} --run", script=args[i + 1])])
    return Outcome()


def run_eval(name: str, args: list[Word]) -> Outcome:
    """eval joins its arguments with spaces and runs the result in the current shell."""
    if args and args[0].value == "--":
        args = args[1:]
    if not args:
        return Outcome()
    text = " ".join(w.value for w in args)
    return Outcome([Launch("eval", script=Word(text, any(w.dynamic for w in args)))])


def run_trap(name: str, args: list[Word]) -> Outcome:
    """trap ACTION SIGNAL...: ACTION is shell text run later, on the signal (EXIT, ERR, DEBUG ...)."""
    problems = ["trap: an unquoted expansion could supply the action"] if any(w.splits for w in args) else []
    i = 0
    while i < len(args) and args[i].value.startswith("-") and args[i].value not in ("-", "--"):
        i += 1  # -l, -p, -P
    if i < len(args) and args[i].value == "--":
        i += 1
    operands = args[i:]
    if len(operands) < 2 or operands[0].value in ("", "-"):
        return Outcome(problems=problems)  # listing, resetting or ignoring signals
    return Outcome([Launch("trap", script=operands[0])], problems)


def _option_word(args: list[Word], index: int, value: str | None) -> Word:
    """The option value as a word, keeping whether it is dynamic (an attached value shares its word)."""
    word = args[index]
    return Word(value or "", word.dynamic, word.splits)
