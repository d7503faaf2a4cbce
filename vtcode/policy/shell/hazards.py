"""Builtins and variables that make the rest of the string mean something a static reading cannot know.

Each rule names the trick it stops. They only add problems; they never hide a command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .context import brief
from .options import names
from .words import Word

# Variables whose value the shell itself runs as code or sources as a file.
_CODE_VARIABLES = frozenset({"BASH_ENV", "ENV", "PS4", "PROMPT_COMMAND"})
# Builtins whose arguments name variables: an array subscript in a name is evaluated as arithmetic, and
# bash arithmetic runs `$(...)` found in it: `printf -v 'a[$(rm -rf ~)]' x`.
_NAME_TAKERS = names(
    "read unset printf test [ [[ declare typeset local export readonly mapfile readarray wait"
)
_NAME_TAKERS |= {"getopts", "let"}
_SUBSCRIPT_CODE = re.compile(r"\[.*[$`]")
# Builtins that set a variable from run-time input.
_RUNTIME_SETTERS = frozenset({"read", "mapfile", "readarray", "printf", "getopts", "wait"})
_FIXED = {
    "source": "source runs commands from a file that is not known here",
    ".": ". runs commands from a file that is not known here",
    "coproc": "coproc is not followed by this parser",
    "let": "let evaluates arithmetic, which runs code hidden in variable values (a[$(cmd)])",
}


# Reserved words are syntax to bash, never programs. tree-sitter sometimes reads them as command names
# (`! { rm; }`, `! if a; then rm; fi`, `time { rm; }`), which would hide `rm` as an argument.
RESERVED = names("{ } ! [[ ]] if then elif else fi case esac for select while until do done in function")


def reserved_word_problem(word: str) -> str:
    return f"reserved word {word!r} read as a program name: the parser and bash disagree"


def assignment_problems(assignments: Iterable[tuple[str, str]]) -> list[str]:
    """`BASH_ENV=x bash -c ls` sources x; `PS4='$(rm)' bash -xc :` runs rm; BASH_FUNC_ls%%='() {...}'
    imports a function named ls from a string into a child bash."""
    problems = []
    for name, _ in assignments:
        if name in _CODE_VARIABLES or name.startswith("BASH_FUNC_"):
            problems.append(f"assignment to {brief(name)} makes a shell run code that is not visible here")
    return problems


def command_problems(name: str, words: list[Word]) -> list[str]:
    """Problems raised by the builtin `name` (argv[0] without its directory) given its words."""
    if name not in _CHECKED:
        return []
    values = [w.value for w in words[1:]]
    problems = [_FIXED[name]] if name in _FIXED else []
    if name == "alias" and any("=" in v for v in values):
        problems.append("alias definitions change what later command names mean")
    elif name == "hash" and _has_flag(values, "p"):
        problems.append("hash -p maps a command name to another file")
    elif name == "enable" and _has_flag(values, "f"):
        problems.append("enable -f loads a builtin from a shared object")
    elif name in ("mapfile", "readarray") and _has_flag(values, "C"):
        problems.append(f"{name} -C runs a callback")
    elif name in ("declare", "typeset", "local") and _has_flag(values, "i"):
        problems.append(f"{name} -i makes later assignments evaluate arithmetic, which can run code")
    if name in _NAME_TAKERS and any(_SUBSCRIPT_CODE.search(v) for v in _names(name, values)):
        problems.append(f"{name}: an array subscript in a variable name is evaluated and can run code")
    if name in _RUNTIME_SETTERS and any(_sets_code_variable(v) for v in _names(name, values)):
        problems.append(f"{name} sets PATH or a code-running variable from run-time input")
    return problems


# Every name command_problems has a rule for; any other command raises none.
_CHECKED = frozenset(
    {*_FIXED, "alias", "hash", "enable", "mapfile", "readarray", "declare", "typeset", "local"}
) | _NAME_TAKERS | _RUNTIME_SETTERS


def _has_flag(values: list[str], letter: str) -> bool:
    return any(v.startswith("-") and not v.startswith("--") and letter in v[1:] for v in values)


def _names(name: str, values: list[str]) -> list[str]:
    if name == "printf":  # only -v takes a name; the format and arguments are data
        return [values[i + 1] for i, v in enumerate(values[:-1]) if v == "-v"]
    return [v.split("=", 1)[0] for v in values if not v.startswith("-")]


def _sets_code_variable(name: str) -> bool:
    return name == "PATH" or name in _CODE_VARIABLES or name.startswith("BASH_FUNC_")
