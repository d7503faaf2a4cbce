"""What the extractor reports: plain frozen values, safe to cache, compare and hand to any thread."""

from __future__ import annotations

from dataclasses import dataclass, field

# Operators that open their target for writing. `>&word` with a non-numeric word is bash's old spelling
# of `&>word`, so it writes too (see redirects.py).
WRITE_OPS = frozenset({">", ">>", "&>", "&>>", ">|", "<>", ">&"})
# Operators that feed standard input when no descriptor is written.
STDIN_OPS = frozenset({"<", "<<", "<<-", "<<<", "<&", "<>"})


@dataclass(frozen=True)
class Redirect:
    """One redirection, with its target as a path word so the path policy can resolve it."""

    op: str  # ">", ">>", "<", "&>", "&>>", ">|", "<>", ">&", "<&", "<<", "<<-", "<<<"
    target: str  # the path word, quotes removed; "" for heredocs, here-strings and fd duplications
    fd: int | None  # the descriptor as written (`2>`), None when implied
    writes: bool  # the target is opened for writing
    dynamic: bool  # the target (or a heredoc body) contains an expansion: unknowable before run time
    body: str | None = None  # heredoc / here-string text with quotes removed; None for file redirects


@dataclass(frozen=True)
class SimpleCommand:
    """One program (or builtin) the string would run, with everything known about how it is reached."""

    argv: tuple[str, ...]  # words with quotes removed; argv[0] is the program as written
    assignments: tuple[tuple[str, str], ...] = ()  # environment set for it: leading VAR=x, env/sudo VAR=x
    redirects: tuple[Redirect, ...] = ()  # every redirection in effect, outermost first
    dynamic_args: frozenset[int] = frozenset()  # argv indexes whose value is only known at run time
    via: tuple[str, ...] = ()  # how it was reached, outermost first: "pipeline", "sudo", "bash -c", ...
    wrappers: tuple[tuple[str, ...], ...] = ()  # wrapper argv prefixes stripped to reach argv
    runtime_args: bool = False  # xargs / find -exec add or substitute arguments at run time
    # `name`, worked out once (the policy asks for it several times per command); derived from argv, so it
    # takes no part in construction, equality, hashing or repr.
    _name: str = field(default="", init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_name", self.argv[0].rsplit("/", 1)[-1] if self.argv else "")

    @property
    def name(self) -> str:
        """argv[0] without its directory: what wrapper and allowlist tables are keyed on."""
        return self._name


@dataclass(frozen=True)
class ParseResult:
    """Everything a shell string would run. Non-empty `problems` means: never allow it."""

    commands: tuple[SimpleCommand, ...]
    problems: tuple[str, ...]
    redirects: tuple[Redirect, ...] = ()  # every redirection, including `> file` with no command at all
    variables: tuple[tuple[str, str], ...] = ()  # shell variables set for later commands
    functions: tuple[str, ...] = ()  # shell functions defined: a call to one runs its body, not a program
    # Names a builtin may bind or clear without `NAME=` (read, printf -v, unset, a value-less local...):
    # their values are unknown after it. "*" when the builtin's operands are only known at run time.
    rebound: tuple[str, ...] = ()

    @property
    def understood(self) -> bool:
        """True when the string could be fully reasoned about (the only case a policy may allow)."""
        return not self.problems
