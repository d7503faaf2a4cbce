"""From one simple command to everything it runs: itself, the program a wrapper runs, shell text it runs."""

from __future__ import annotations

from collections.abc import Callable

from . import shells, wrappers
from .context import DEPTH_PROBLEM, MAX_DEPTH, Collector, Context, Launch, Outcome, brief
from .hazards import RESERVED, assignment_problems, command_problems, rebound_names, reserved_word_problem
from .model import STDIN_OPS, Redirect, SimpleCommand
from .words import Word

# Parses shell text found inside a command (bash -c, eval ...) into the same collector.
BodyParser = Callable[[str, Context, Collector], None]

_TEXT_RUNNERS: dict[str, Callable[[str, list[Word]], Outcome]] = {
    "su": shells.run_su,
    "runuser": shells.run_su,
    "script": shells.run_script,
    "watch": shells.run_watch,
    "nix-shell": shells.run_nix_shell,
    "eval": shells.run_eval,
    "trap": shells.run_trap,
}


def run_command(
    words: list[Word],
    assignments: tuple[tuple[str, str], ...],
    ctx: Context,
    out: Collector,
    parse_body: BodyParser,
    runtime_args: bool = False,
) -> None:
    """Report the command `words` (with its leading assignments) and whatever it launches."""
    if assignments:
        for problem in assignment_problems(assignments):
            out.problem(problem)
    if not words:
        return
    if ctx.depth > MAX_DEPTH:
        out.problem(DEPTH_PROBLEM)
        return
    command = SimpleCommand(
        argv=tuple([w.value for w in words]),
        assignments=ctx.assignments + assignments,
        redirects=ctx.redirects,
        dynamic_args=frozenset([i for i, w in enumerate(words) if w.dynamic]),
        via=ctx.via,
        wrappers=ctx.wrappers,
        runtime_args=runtime_args,
    )
    if not out.add(command):
        return
    if words[0].dynamic:
        # `$X`, `"$cmd"`, `$(echo rm) -rf /`: the program is chosen at run time.
        out.problem(f"the program name {brief(words[0].value)} is only known at run time")
        return
    name = command.name
    for problem in command_problems(name, words):
        out.problem(problem)
    out.rebound.extend(rebound_names(name, words))
    outcome = _launches(name, words, ctx)
    if outcome is None:
        return
    for problem in outcome.problems:
        out.problem(problem)
    for launch in outcome.launches:
        _start(launch, assignments, ctx, out, parse_body)


def _launches(name: str, words: list[Word], ctx: Context) -> Outcome | None:
    if name in shells.POSIX_SHELLS or name in shells.OTHER_SHELLS:
        return shells.run_shell(name, words[1:], _stdin(ctx.redirects))
    wrapper = wrappers.HANDLERS.get(name)
    if wrapper is not None:
        return wrapper(words[0], words[1:])
    runner = _TEXT_RUNNERS.get(name)
    if runner is not None:
        return runner(name, words[1:])
    return None  # an ordinary program: it runs nothing else


def _start(
    launch: Launch,
    assignments: tuple[tuple[str, str], ...],
    ctx: Context,
    out: Collector,
    parse_body: BodyParser,
) -> None:
    if launch.argv is not None:
        if launch.argv and not launch.argv[0].dynamic and launch.argv[0].value in RESERVED:
            out.problem(reserved_word_problem(launch.argv[0].value))  # `time { rm; }`
        inner = ctx.enter(launch.via, wrapper=launch.prefix, assignments=assignments)
        run_command(launch.argv, launch.assignments, inner, out, parse_body, launch.runtime_args)
        return
    script = launch.script
    if script is None:
        return
    if script.dynamic:
        out.problem(f"{launch.via}: the command text is only known at run time")
    inner = ctx.enter(launch.via, assignments=assignments)
    if launch.via.endswith(" stdin"):  # the heredoc was the script; commands in it do not read it again
        inner = inner.without_stdin()
    parse_body(script.value, inner, out)


def _stdin(redirects: tuple[Redirect, ...]) -> Redirect | None:
    """The redirection that is standard input (the last one wins, as in bash)."""
    found = None
    for redirect in redirects:
        if redirect.op in STDIN_OPS and redirect.fd in (None, 0):
            found = redirect
    return found
