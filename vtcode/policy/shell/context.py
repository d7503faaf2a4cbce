"""The state of one extraction: where in the string we are, and what has been found so far."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import STDIN_OPS, ParseResult, Redirect, SimpleCommand
from .words import Word

# Caps that keep a hostile string from costing unbounded time or stack. Exceeding one is a problem.
MAX_SOURCE_BYTES = 64 * 1024
MAX_DEPTH = 120  # nested statements, substitutions, wrappers and `bash -c` bodies, all counted together
MAX_COMMANDS = 2_000
MAX_PARSED_BYTES = 4 * MAX_SOURCE_BYTES
DEPTH_PROBLEM = f"nested more than {MAX_DEPTH} levels deep"


def brief(text: str, limit: int = 40) -> str:
    """Quote text from the string for a problem message, cut so a hostile string cannot flood the log."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


@dataclass(frozen=True)
class Context:
    """What every command found below this point inherits."""

    via: tuple[str, ...] = ()
    wrappers: tuple[tuple[str, ...], ...] = ()
    redirects: tuple[Redirect, ...] = ()
    assignments: tuple[tuple[str, str], ...] = ()
    depth: int = 0

    def enter(
        self,
        via: str | None = None,
        *,
        wrapper: tuple[str, ...] | None = None,
        redirects: tuple[Redirect, ...] = (),
        assignments: tuple[tuple[str, str], ...] = (),
        depth: int | None = None,
    ) -> Context:
        """One level deeper (`depth`: the walker's depth, when it is ahead of this context's)."""
        return Context(
            (*self.via, via) if via else self.via,
            (*self.wrappers, wrapper) if wrapper else self.wrappers,
            self.redirects + redirects,
            self.assignments + assignments,
            max(self.depth, depth or 0) + 1,
        )

    def here(self, depth: int, redirects: tuple[Redirect, ...] = ()) -> Context:
        """This context for a command at walker depth `depth`, with that command's own redirects added."""
        if not redirects and depth <= self.depth:
            return self  # contexts are immutable values: an unchanged one need not be copied
        redirects = self.redirects + redirects
        return Context(self.via, self.wrappers, redirects, self.assignments, max(self.depth, depth))

    def without_stdin(self) -> Context:
        kept = tuple(r for r in self.redirects if not (r.op in STDIN_OPS and r.fd in (None, 0)))
        return Context(self.via, self.wrappers, kept, self.assignments, self.depth)


@dataclass
class Launch:
    """Something a command starts besides itself: an argv it execs, or shell text it runs."""

    via: str
    argv: list[Word] | None = None  # execs this (sudo, env, find -exec, xargs ...)
    prefix: tuple[str, ...] = ()  # the wrapper words stripped to reach argv
    assignments: tuple[tuple[str, str], ...] = ()
    runtime_args: bool = False
    script: Word | None = None  # or runs this shell text (bash -c, eval, su -c, watch ...)


@dataclass
class Outcome:
    """What a command-specific rule learned: what else runs, and what cannot be reasoned about."""

    launches: list[Launch] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class Collector:
    """Accumulates findings in source order; turned into an immutable ParseResult at the end."""

    commands: list[SimpleCommand] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    variables: list[tuple[str, str]] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    rebound: list[str] = field(default_factory=list)
    parsed_bytes: int = 0  # across nested bodies: `eval eval eval ... x` must not cost quadratic time

    def problem(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)

    def add(self, command: SimpleCommand) -> bool:
        """Record a command; False once the cap is reached (the caller stops descending)."""
        if len(self.commands) >= MAX_COMMANDS:
            self.problem(f"more than {MAX_COMMANDS} commands")
            return False
        self.commands.append(command)
        return True

    def result(self) -> ParseResult:
        return ParseResult(
            tuple(self.commands),
            tuple(self.problems),
            tuple(dict.fromkeys(self.redirects)),
            tuple(self.variables),
            tuple(dict.fromkeys(self.functions)),
            tuple(dict.fromkeys(self.rebound)),
        )
