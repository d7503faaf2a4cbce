"""The command policy: every simple command a shell string would run gets a verdict; the strictest wins.

Order for one command: injection variables, reverse shells and secrets (deny whatever else matches);
the deny lists; the command's rule; then the allow lists and standing approvals, which may turn a rule's
"prompt" into "allow" but never a "deny". A command matching nothing asks.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field

from vtcode_hookspecs import RuleId, Verdict

from vtcode.config.command_rules import CommandRule
from vtcode.config.models import CommandsConfig
from vtcode.config.tool_policy import ApprovalCache
from vtcode.errors import InvariantError
from vtcode.policy.shell import ParseResult, Redirect, SimpleCommand

from .arg_types import check_path
from .argv_match import Invocation, match_rule
from .cwd import RelativeTo, directories
from .git_target import git_location_outcome
from .hazards import (
    assignment_outcomes,
    pipeline_outcomes,
    reverse_shell_outcomes,
    secret_outcomes,
    variable_outcomes,
)
from .known_vars import expand_command, expand_redirect
from .links import DIRECTORY_READERS, LINK_FOLLOWERS, listed_link_outcomes, walked_link_outcomes
from .outcome import Outcome, strictest
from .paths import PathChecker, Remembering
from .xargs_names import appends_listed_names, listed_roots, reads_only

# Where a program named by absolute path is still the program its name says.
_SYSTEM_BINS = ("/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/", "/usr/local/bin/")
_HARMLESS_TARGETS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"})
# (Outcome is frozen: shared safely)
_ONLY_REDIRECTIONS = Outcome.allow("only redirections", RuleId("commands"))


@dataclass(frozen=True)
class CommandVerdict:
    outcome: Outcome
    commands: tuple[tuple[str, ...], ...]
    parts: tuple[Outcome, ...] = ()


@dataclass
class CommandPolicy:
    rules: dict[str, CommandRule]
    lists: CommandsConfig
    approvals: ApprovalCache = field(default_factory=ApprovalCache)
    # Values the runner fixes ($HOME, $USER...: known_vars.py), and the workspace root for $PWD.
    known: dict[str, str] = field(default_factory=dict)
    root: str | None = None
    # The PATH the runner passes on (the agent's own): a bare name is the first executable bash finds on it.
    search_path: str | None = None

    def __post_init__(self) -> None:
        self._deny_regex = [re.compile(p) for p in self.lists.deny_regex]
        self._allow_regex = [re.compile(p) for p in self.lists.allow_regex]
        self._approved_regex = [re.compile(p) for p in self.approvals.regexes]
        self._deny_tokens = [tuple(shlex.split(e)) for e in self.lists.deny_list]
        self._allow_tokens = [tuple(shlex.split(e)) for e in self.lists.allow_list]
        self._approved_prefixes = [tuple(shlex.split(e)) for e in self.approvals.prefixes]
        self._approved = frozenset(self.approvals.allowed)
        # PATH is fixed for the runner's life: whether it names the workspace (or a relative directory) is
        # worked out once; only then is a name looked up, per decision (files come and go).
        self._real_root = os.path.realpath(self.root) if self.root is not None else ""
        self._path_entries = tuple(self.search_path.split(":")) if self.search_path else ()
        self._risky_path = self.root is not None and any(
            not e.startswith("/") or _within(os.path.realpath(e), self._real_root)
            for e in self._path_entries)
        # "always" answers given in this workspace (approval_cache.workspaces, keyed by the absolute root)
        here = os.path.realpath(self.root) if self.root is not None else None
        self._approved_here = frozenset(
            entry for where, entries in self.approvals.workspaces.items()
            if here is not None and os.path.realpath(where) == here for entry in entries)

    def decide(
        self, parsed: ParseResult, paths: PathChecker, cwd: str | None = None, *, persistent: bool = False
    ) -> CommandVerdict:
        """`cwd`: where the command starts, relative to the workspace root (a tool's `cwd` argument).
        `persistent`: the text is typed into a shell that outlives it (`shell_session`): earlier sends may
        have rebound any variable (`read -r USER`) or put a file on a descriptor (`exec 1<f`), so no
        variable is taken as known, /dev/stdout and /dev/stderr are not harmless, and standing approvals
        (given for a fresh shell) do not apply."""
        bases = directories(parsed, cwd)
        raw = paths
        if bases or cwd not in (None, "", "."):
            paths = RelativeTo(paths, bases, cwd)
        paths = Remembering(paths)  # one jail walk per distinct path in this decision
        parts: list[Outcome] = [_problem(p) for p in parsed.problems]
        parts += pipeline_outcomes(parsed)
        if parsed.variables:
            parts += variable_outcomes(parsed)
        known = {} if persistent else self._known(parsed, cwd, bases)
        redirects = [expand_redirect(r, known) for r in parsed.redirects] if known else parsed.redirects
        parts += [o for r in redirects if (o := redirect_outcome(r, paths)) is not None]
        parts += reopened_outcomes(redirects, paths)
        if persistent and any(r.writes and r.target in _REOPENERS for r in redirects):
            parts.append(Outcome.prompt("in a shell session /dev/stdout and /dev/stderr may hold a file an "
                                        "earlier send opened there", _REOPENED))
        functions = frozenset(parsed.functions)
        moved = bool(bases)  # a cd, pushd or env -C: ls and the command may list and read elsewhere
        # A standing approval is for an argv run where it was approved, the workspace root: `make test`
        # after `cd vendor/x` (or with a tool cwd) runs vendor/x/Makefile, other code than was approved;
        # `rm -rf build` approved there must not remove src/build unasked.
        standing = bool(self._approved or self._approved_here or self._approved_prefixes
                        or self._approved_regex)
        elsewhere = persistent or (standing and _elsewhere(raw, (*bases, *([cwd] if cwd else []))))
        # stdin chosen for more than one command: `exec < q.sql` (the shell's own stdin from then on) or a
        # function called with a redirection or a pipe (`f < q.sql` feeds every command of f's body).
        fed = standing and any(
            _stdin_chosen(c) and ((c.name == "exec" and len(c.argv) == 1) or _calls_function(c, functions))
            for c in parsed.commands)
        parts += [
            _function_call(c, RuleId("commands", c.name))
            if _calls_function(c, functions) else self.decide_command(
                expand_command(c, known) if known and c.dynamic_args else c,
                paths,
                listed_names=(listed := c.runtime_args and appends_listed_names(parsed, i, moved)),
                listed_from=listed_roots(parsed, i) if listed else None,
                # Names a builtin bound (`read -r MAKEFILES < f; export MAKEFILES`) are the string's own
                # environment as much as `export MAKEFILES=x`.
                environment=bool(parsed.variables or parsed.rebound) or elsewhere or fed,
            )
            for i, c in enumerate(parsed.commands)
        ]
        for command in parsed.commands:
            if command.name == "git":
                label = RuleId("commands", "git")
                found = git_location_outcome(command, raw, cwd, bases, label, self.root)
                if found is not None:
                    parts.append(found)
        if not parsed.commands and not parsed.problems and not parsed.redirects:
            parts.append(Outcome.deny("nothing to run", RuleId("commands", "empty")))
        final = strictest(parts, _ONLY_REDIRECTIONS)
        return CommandVerdict(final, tuple([c.argv for c in parsed.commands]), tuple(parts))

    def _known(self, parsed: ParseResult, cwd: str | None, bases: tuple[str, ...]) -> dict[str, str]:
        """The variables this string may use with their run-time values: none it assigns itself or a
        builtin binds or clears (`read`, `printf -v`, `unset`, `local`...), and $PWD only while it does not
        change directory."""
        known = dict(self.known)
        if self.root is not None and not bases:
            known["PWD"] = posixpath.normpath(posixpath.join(self.root, cwd or "."))
        if known and parsed.variables:
            for name, _ in parsed.variables:
                known.pop(name, None)
        if known and parsed.rebound:  # `read -r USER < f; cat $USER`: bound at run time, not the runner's
            if "*" in parsed.rebound:
                return {}
            for name in parsed.rebound:
                known.pop(name, None)
        return known

    def decide_command(
        self, command: SimpleCommand, paths: PathChecker, *, listed_names: bool = False,
        environment: bool = False, listed_from: tuple[tuple[str, ...], bool, bool] | None = None,
    ) -> Outcome:
        """`listed_names`: the arguments xargs appends are names `ls` printed here (xargs_names.py).
        `environment`: the string sets shell variables before it (`export CC=./evil; make`), or runs it
        in another directory than the workspace root (`cd vendor/x && make`): standing approvals do not
        apply."""
        name = command.name
        label = RuleId("commands", name or "?")
        argv = command.argv
        dynamic = command.dynamic_args
        args = [(argv[i], i in dynamic) for i in range(1, len(argv))]
        hazards = assignment_outcomes(command, label) + reverse_shell_outcomes(command, label)
        hazards += secret_outcomes(args, paths, label)
        hazards += [o for r in command.redirects if (o := redirect_outcome(r, paths)) is not None]
        if name in IMPLICIT_OUTPUTS and not _stdout_redirected(command):
            hazards += [o for f in IMPLICIT_OUTPUTS[name]
                        if (o := check_path(f, False, paths, label.at(f), write=True)) is not None]
        if name in RESPONSE_FILE_READERS:
            hazards += response_file_outcomes(args, paths, label)
        if name in LINK_FOLLOWERS:
            hazards += walked_link_outcomes(name, args, paths, label)
        denied = self._listed_deny(argv)
        if denied is not None:
            hazards.append(Outcome.deny(f"matches {denied}", RuleId("commands", "deny")))
        base = self._base(command, name, paths, label, environment)
        if command.runtime_args and base.verdict is Verdict.ALLOW:
            if listed_names and reads_only(self.rule_for(name)) and name not in DIRECTORY_READERS:
                roots, recursive, follow = listed_from or ((".",), False, False)
                listed = listed_link_outcomes(name, roots, recursive, paths, label, follow)
                allowed = Outcome.allow(f"`{name}` gets names listed here, and can only read them", label)
                base = strictest(listed, allowed) if listed else allowed
            else:
                base = Outcome.prompt("arguments are added at run time (xargs, find -exec)", label)
        return strictest([*hazards, base], base)

    def _base(self, command: SimpleCommand, name: str, paths: PathChecker, label: RuleId,
              environment: bool = False) -> Outcome:
        program = command.argv[0]
        # ./ls in the workspace may be anything: only system paths keep the name's meaning, and only once
        # `..` is applied (`/usr/bin/../../ws/ls` is the workspace's ls, not /usr/bin/ls).
        if "/" in program and not posixpath.normpath(program).startswith(_SYSTEM_BINS):
            return Outcome.prompt(f"runs the program file {program!r}", label)
        if "/" not in program and program not in SHELL_BUILTINS:
            found = self._found_in_workspace(program)
            if found is not None:
                return Outcome.prompt(found, label.at("path"))
        key = self.rule_key(name)
        rule = self.rules[key] if key is not None else None
        approved = self._approved_by(command, environment)
        if rule is None:
            if approved:
                return Outcome.allow(f"allowed by {approved}", approved)
            return Outcome.prompt(f"{name!r} is not a known command", RuleId("commands", "unknown"))
        if key is None:
            raise InvariantError("an unknown command without a lookup key")
        outcome = match_rule(Invocation(command.argv, command.dynamic_args, paths), rule, key)
        if outcome.verdict is Verdict.PROMPT and approved and not rule.interpreter:
            return Outcome.allow(f"allowed by {approved}", approved)
        return outcome

    def _found_in_workspace(self, name: str) -> str | None:
        """Why `name` may run a workspace file: PATH (an activated in-repo venv, direnv's `PATH_add bin`,
        `./node_modules/.bin`) names a directory of the workspace, or a relative one, which bash resolves
        against the directory the command runs in. None when PATH's first hit is outside the workspace."""
        if not self._risky_path:
            return None
        entries = self._path_entries
        root = self._real_root
        for entry in entries:
            if not entry.startswith("/"):
                return (f"PATH holds the relative entry {entry or '(empty)'!r}: `{name}` is looked up in "
                        "the directory the command runs in, which may hold a file of that name")
            candidate = os.path.join(entry, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                real = os.path.realpath(candidate)
                if _within(real, root):
                    return f"`{name}` is {candidate}, a file in the workspace (PATH names {entry!r})"
                return None
        return None

    def rule_key(self, name: str) -> str | None:
        """The rule governing `name`: its own, or its family's (mkfs.ext4 -> mkfs, python3.12 -> python3)."""
        if name in self.rules:
            return name
        if "." in name:
            for key in (name.rsplit(".", 1)[0], name.split(".", 1)[0]):
                if key in self.rules:
                    return key
        return None

    def rule_for(self, name: str) -> CommandRule | None:
        key = self.rule_key(name)
        return self.rules[key] if key is not None else None

    def _approved_by(self, command: SimpleCommand, environment: bool = False) -> RuleId | None:
        """`environment`: set when the string sets variables or the command does not run at the root."""
        if command.dynamic_args:
            return None  # an approval names literal arguments; run-time values are not what was approved
        # A person's "always" covers the argv shown, run as shown: with no environment of the string's
        # own making. `CC=./evil make`, `MAKEFLAGS=... make`, `env PYTEST_ADDOPTS=... pytest`, `timeout 9
        # make` or `export GOFLAGS=-toolexec=...; go build` run other code than the `make` approved, so
        # every standing approval (approval_cache.*) asks again; the session cache keys on the whole
        # action for the same reason (broker.py).
        standing = not (command.assignments or command.wrappers or environment or _stdin_chosen(command))
        if not (self._approved or self._approved_here or self._approved_prefixes or self._approved_regex
                or self._allow_tokens or self.lists.allow_glob or self._allow_regex):
            return None  # nothing approved or listed: no need to spell the command out
        argv = tuple(command.argv)
        joined = shlex.join(argv)
        if standing and joined in self._approved:
            return RuleId("approval_cache", "allowed")
        if standing and joined in self._approved_here:
            return RuleId("approval_cache", "workspaces")
        if standing and any(argv[: len(p)] == p for p in self._approved_prefixes):
            return RuleId("approval_cache", "prefixes")
        if standing and any(r.fullmatch(joined) for r in self._approved_regex):
            return RuleId("approval_cache", "regexes")
        if any(argv[: len(t)] == t for t in self._allow_tokens):
            return RuleId("commands", "allow_list")
        if any(fnmatch.fnmatchcase(joined, g) for g in self.lists.allow_glob):
            return RuleId("commands", "allow_glob")
        if any(r.fullmatch(joined) for r in self._allow_regex):
            return RuleId("commands", "allow_regex")
        return None

    def _listed_deny(self, argv: tuple[str, ...]) -> str | None:
        # Tokens, not string prefixes: deny_list "rm" denies `rm -rf x` but not `rmate`
        # (the Rust vtcode matched string prefixes).
        if not (self._deny_tokens or self.lists.deny_glob or self._deny_regex):
            return None
        names = (argv[0].rsplit("/", 1)[-1], *argv[1:])
        joined = shlex.join(names)
        for tokens in self._deny_tokens:
            if names[: len(tokens)] == tokens:
                return f"commands.deny_list {shlex.join(tokens)!r}"
        for glob in self.lists.deny_glob:
            if fnmatch.fnmatchcase(joined, glob):
                return f"commands.deny_glob {glob!r}"
        for pattern in self._deny_regex:
            if pattern.search(joined):
                return f"commands.deny_regex {pattern.pattern!r}"
        return None


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


# bash's builtins and keywords: never looked up on PATH.
SHELL_BUILTINS = frozenset({
    ".", ":", "[", "[[", "alias", "bg", "bind", "break", "builtin", "caller", "cd", "command",
    "compgen", "complete", "compopt", "continue", "declare", "dirs", "disown", "echo", "enable", "eval",
    "exec", "exit", "export", "false", "fc", "fg", "getopts", "hash", "help", "history", "jobs", "kill",
    "let", "local", "logout", "mapfile", "popd", "printf", "pushd", "pwd", "read", "readarray",
    "readonly", "return", "set", "shift", "shopt", "source", "suspend", "test", "times", "trap", "true",
    "type", "typeset", "ulimit", "umask", "unalias", "unset", "wait",
})

_STDIN_OPS = frozenset({"<", "<<", "<<-", "<<<", "<&", "<>"})


def _stdin_chosen(command: SimpleCommand) -> bool:
    """Whether the string chooses what the command reads on stdin (a pipe into it, `<`, a here-doc or
    here-string): `sqlite3 app.db < q.sql` and `echo '!cmd' | ed f` run what they read, which a standing
    approval of `sqlite3 app.db` or `ed f` never saw. /dev/null is nothing to read."""
    if "piped" in command.via:
        return True
    return any(r.op in _STDIN_OPS and r.fd in (None, 0) and r.target != "/dev/null"
               for r in command.redirects)


def _elsewhere(paths: PathChecker, directories: Sequence[str]) -> bool:
    """Whether any of `directories` (cd targets, a tool cwd) is not the workspace root itself
    (`cd /path/to/ws && make test` is where the approval was given; `cd vendor/x && make test` is not)."""
    if not directories:
        return False
    root = paths.check_path(".", write=False).resolved
    return any(root is None or paths.check_path(d, write=False).resolved != root for d in directories)


def redirect_outcome(redirect: Redirect, paths: PathChecker) -> Outcome | None:
    """A redirection target is a path: written ones must stay in the workspace and off protected files."""
    target = redirect.target
    if not target:
        return None
    if target.startswith(("/dev/tcp/", "/dev/udp/")):
        return Outcome.deny(f"redirects to {target} (network connection)", RuleId("redirects", "network"))
    if target in _HARMLESS_TARGETS:
        return None
    return check_path(target, redirect.dynamic, paths, RuleId("redirects"), write=redirect.writes)


# Names that open the file a descriptor already holds, by path, with the new flags (Linux: /proc/self/fd/N).
_REOPENERS = {"/dev/stdout": 1, "/dev/stderr": 2}
_REOPENED = RuleId("redirects", "reopened")


def reopened_outcomes(redirects: Sequence[Redirect], paths: PathChecker) -> list[Outcome]:
    """`printf x 1<.git/config >>/dev/stdout` writes .git/config: `1<` is only a read, but opening
    /dev/stdout re-opens the file fd 1 holds, for writing. A write to /dev/stdout or /dev/stderr is a write
    of every file the string reads on fd 1 or 2 — or on any descriptor, once some redirection duplicates
    or moves one (`3<f 1<&3`). (Files it writes there are judged as writes already.)"""
    if not any(r.writes and r.target in _REOPENERS for r in redirects):
        return []
    duplicates = any(r.op in (">&", "<&") and not r.target for r in redirects)
    found = []
    for r in redirects:
        if r.writes or not r.target or r.body is not None or r.target in _HARMLESS_TARGETS:
            continue
        if duplicates or r.fd in (1, 2):
            reopened = Redirect(">", r.target, r.fd, True, r.dynamic)
            outcome = redirect_outcome(reopened, paths)
            if outcome is not None:
                reason = f"{outcome.reason} (re-opened for writing through /dev/stdout or /dev/stderr)"
                found.append(Outcome(outcome.verdict, reason, _REOPENED))
    return found


# Files a program creates by a fixed name in its working directory: nohup appends the command's output to
# ./nohup.out when standard output is a terminal (run_command's PTY, shell_session) — through a committed
# symlink `nohup.out -> .git/config`, `nohup ls` writes git's config with the names it lists.
IMPLICIT_OUTPUTS: dict[str, tuple[str, ...]] = {"nohup": ("nohup.out",)}


def _stdout_redirected(command: SimpleCommand) -> bool:
    """Whether standard output goes to a file or pipe the string chose (so it is not the terminal)."""
    return "pipeline" in command.via or any(
        r.writes and r.fd in (None, 1) and r.op != "<>" for r in command.redirects)


# Programs built on libiberty's expandargv: an argument `@FILE` is replaced by the words read from FILE.
RESPONSE_FILE_READERS = frozenset(
    {"strings", "nm", "objdump", "readelf", "size", "ar", "ranlib", "addr2line", "c++filt", "objcopy",
     "strip", "ld", "ld.bfd", "ld.gold", "as", "gcc", "g++", "cc", "c++", "cpp", "gprof", "elfedit", "dwp"}
)


def response_file_outcomes(args: list[tuple[str, bool]], paths: PathChecker, label: RuleId) -> list[Outcome]:
    """`strings @/etc/shadow` reads the file (and prints what it cannot parse): judged as a read of it."""
    found = []
    for arg, dynamic in args:
        if arg.startswith("@") and len(arg) > 1:
            outcome = check_path(arg[1:], dynamic, paths, label.at("@file"), write=False)
            if outcome is not None:
                found.append(outcome)
    return found


def _calls_function(command: SimpleCommand, functions: frozenset[str]) -> bool:
    """A call to a shell function defined in the same string (wrappers like `command` reach programs)."""
    return bool(functions) and not command.wrappers and command.argv[0] in functions


def _function_call(command: SimpleCommand, label: RuleId) -> Outcome:
    name = command.argv[0]
    if command.assignments:
        # `PATH=. f`: the prefix is in the environment of every command in the body, so it is judged as
        # a prefix on each of them would be; any other prefix is not followed into the body.
        dangerous = assignment_outcomes(command, label)
        if dangerous:
            return strictest(dangerous, dangerous[0])
    if "function" in command.via:
        # A function calling a function defined here: recursion, the fork bomb's shape `:(){ :|:& };:`.
        reason = f"shell function calls {name!r} from a function body (fork bomb)"
        return Outcome.deny(reason, RuleId("hazards", "fork_bomb"))
    reason = f"calls the shell function {name!r}; its body is judged as written"
    return Outcome.allow(reason, RuleId("commands", "function"))


def _problem(problem: str) -> Outcome:
    if problem.startswith("syntax error") or "NUL" in problem:
        return Outcome.deny(f"cannot be parsed: {problem}", RuleId("shell", "parse"))
    return Outcome.prompt(f"cannot be reasoned about: {problem}", RuleId("shell", "unknown"))


def at_root(cwd: str | None) -> bool:
    """Whether a tool's `cwd` argument is the workspace's root (what "always" answers are given for)."""
    return cwd is None or posixpath.normpath(cwd) == "."
