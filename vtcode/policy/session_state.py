"""What a persistent shell (`shell_session`) carries from earlier sends into the next one, and how the
policy judges a send with it.

A send is text typed into a shell that outlives it: `export MAKEFLAGS=...` in one send changes what `make`
runs in a later one, and `cd .git` moves where its relative paths land. The session tool records the state
(`session` in the send's arguments: the shell's directory and the variables earlier sends set); the prompt
shows it and this module makes a send that runs with any of it ask
(docs/decisions/1604-shell-session-state.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vtcode_hookspecs import RuleId

from vtcode.approvals.carried import UNKNOWN, carried

from .outcome import Outcome
from .shell.api import parse_shell
from .shell.environment import dangerous_variable

RUNTIME = "(set at run time)"


FUNCTION = "(a function an earlier send defined)"
SHELL_CHANGE = "(changed the shell: what it set is not known)"
_CHANGES_SHELL = frozenset({"source", ".", "eval", "alias", "trap", "enable", "hash", "set", "shopt"})


def session_variables(text: str) -> list[tuple[str, str]]:
    """What a send leaves in the shell for the sends after it: variables assigned or exported (with the
    value as typed), names bound by builtins (`read -r CC`: RUNTIME; "*" when any name may be), and
    functions it defines (`make() {...}`: "make()", FUNCTION), which a later `make` would call."""
    parsed = parse_shell(text)
    found = [(name, value) for name, value in parsed.variables]
    assigned = {name for name, _ in found}
    found += [(name, RUNTIME) for name in sorted(parsed.rebound) if name not in assigned]
    found += [(f"{name}()", FUNCTION) for name in sorted(parsed.functions)]
    # Builtins that change the shell in ways the parse cannot list: what `source env.sh` or `eval` set,
    # an alias (expanded in an interactive shell), a trap, a rehashed or disabled command.
    found += [(f"{c.name} …", SHELL_CHANGE) for c in parsed.commands if c.name in _CHANGES_SHELL]
    return found


_CARRIED = RuleId("shell_session", "carried")


def carried_outcomes(args: Mapping[str, Any]) -> list[Outcome]:
    """A send that runs with variables an earlier send set, or from a directory that cannot be read,
    asks: the person sees what the shell carries (the prompt lists it) before it changes what runs.
    Dangerous names (dangerous_variable) are denied when set, so one here came past that: denied."""
    state = carried(args)
    if state is None:
        return []
    where, variables = state
    found: list[Outcome] = []
    bad = [name for name in variables if dangerous_variable(name)]
    if bad:
        found.append(Outcome.deny(
            f"an earlier send in this shell session set {', '.join(bad)}, which makes programs load or run "
            "code not visible here", _CARRIED))
    elif variables:
        found.append(Outcome.prompt(
            f"runs with {', '.join(variables)} left by an earlier send in this shell session",
            _CARRIED))
    if where == UNKNOWN:
        found.append(Outcome.prompt("the shell session's current directory cannot be read",
                                    RuleId("shell_session", "cwd")))
    return found
