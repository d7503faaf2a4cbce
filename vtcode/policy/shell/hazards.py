"""Builtins and variables that make the rest of the string mean something a static reading cannot know.

Each rule names the trick it stops. They only add problems; they never hide a command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .context import brief
from .environment import dangerous_variable
from .options import names
from .words import Word

# Variables whose value the shell itself runs as code or sources as a file.
# Every prompt string is expanded (running `$(...)`) when bash prints it: PS4 under `set -x`, PS0-PS2 in
# an interactive shell, PS3 by `select`.
_CODE_VARIABLES = frozenset({"BASH_ENV", "ENV", "PS0", "PS1", "PS2", "PS3", "PS4", "PROMPT_COMMAND"})
_DECLARERS = frozenset({"declare", "typeset", "local", "readonly", "export"})
# A compound value (`declare -a b=(...)`, `export b=(...)`, also quoted: `declare -a b='(...)'`) is re-read
# by bash as shell words with subscripts evaluated as arithmetic; only plain words are known to be inert.
_INERT_COMPOUND = re.compile(r"^\([\w\s.,/:@%+=-]*\)$")
# Elements `[KEY]=VALUE` with plain text: an integer key is inert for any array, a word key only for an
# associative one (-A), where keys are strings; an indexed array's `[x]` evaluates x as arithmetic.
_INERT_INDEXED = re.compile(r"^\(\s*((\[\d+\]=)?[\w.,/:@%+=-]*\s*)*\)$")
_INERT_ASSOCIATIVE = re.compile(r"^\(\s*((\[[\w.,/:@%+-]+\]=)?[\w.,/:@%+=-]*\s*)*\)$")
_PLAIN_SUBSCRIPT = re.compile(r"^[^\[]+\[\d+\]$")
# Builtins whose arguments name variables: an array subscript in a name is evaluated as arithmetic, and
# bash arithmetic runs `$(...)` found in it: `printf -v 'a[$(rm -rf ~)]' x`.
_NAME_TAKERS = names(
    "read unset printf test [ [[ declare typeset local export readonly mapfile readarray wait"
)
_NAME_TAKERS |= {"getopts", "let"}
# Any subscript but a plain number: an indexed array's subscript is arithmetic, and a bare name in it is
# evaluated recursively (`y` holding `a[$(cmd)]` runs cmd), so `$` or a backquote need not be visible.
_SUBSCRIPT_CODE = re.compile(r"\[(?!\d+\])")
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


def base_name(name: str) -> str:
    """`PATH[0]` -> `PATH`, `A+` -> `A`: the variable an assignment word sets."""
    name = name.split("[", 1)[0] if "[" in name else name
    return name[:-1] if name.endswith("+") else name


def declaration_assignments(keyword: str, words: list[Word]) -> list[tuple[str, str]]:
    """The (name, value) pairs a declaration builtin's arguments set, after quoting and braces."""
    if keyword == "unset":
        return []
    found = []
    for word in words:
        value = word.value
        if value.startswith(("-", "+")) and not word.dynamic:
            continue
        name, sep, rest = value.partition("=")
        if sep and name:
            found.append((base_name(name), rest))
    return found


def _declaration_problems(name: str, words: list[Word], values: list[str]) -> list[str]:
    flags = "".join(v[1:] for v in values if v.startswith(("-", "+")))
    problems = []
    for word in words[1:]:
        value = word.value
        if value.startswith(("-", "+")) and not word.dynamic:
            continue
        var, sep, rest = value.partition("=")
        if "[" in var and not _PLAIN_SUBSCRIPT.match(var.rstrip("+")):
            problems.append(f"{name}: the subscript in {brief(var)} is arithmetic (can run code)")
        inert = _INERT_ASSOCIATIVE if "A" in flags else _INERT_INDEXED
        if sep and rest.startswith("(") and not (_INERT_COMPOUND.match(rest) or inert.match(rest)):
            problems.append(f"{name}: the compound value {brief(rest)} is evaluated, which can run code")
        if sep and word.dynamic and not rest.startswith("(") and ("a" in flags or "A" in flags):
            problems.append(f"{name}: an array value known only at run time is evaluated, which can run code")
        if sep or any(c in flags for c in "pfF") or not dangerous_variable(base_name(var)):
            continue
        if name == "export" or "x" in flags:
            problems.append(f"{name} exports {brief(var)}, whose value may have been set unseen")
        elif name == "local" or (name in ("declare", "typeset") and "g" not in flags):
            # In a function these make an unset local PATH: bash then searches its default path, `.` too.
            problems.append(f"{name} {brief(var)} in a function leaves it unset there (PATH: `.` searched)")
    return problems


def assignment_problems(assignments: Iterable[tuple[str, str]]) -> list[str]:
    """`BASH_ENV=x bash -c ls` sources x; `PS4='$(rm)' bash -xc :` runs rm; BASH_FUNC_ls%%='() {...}'
    imports a function named ls from a string into a child bash."""
    problems = []
    for name, _ in assignments:
        if name in _CODE_VARIABLES or name.startswith("BASH_FUNC_"):
            problems.append(f"assignment to {brief(name)} makes a shell run code that is not visible here")
    return problems


# `{NAME}>file` (or `<`, `>>`, `<>`...) allocates an fd and assigns its number to NAME; on a builtin the
# assignment stays: `: {PATH}>/dev/null; ls` makes PATH "10" and runs ./10/ls. The parser hands the
# `{NAME}` over as a word; nothing else makes a word of exactly that form mean anything.
_FD_VARIABLE = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")


def command_problems(name: str, words: list[Word]) -> list[str]:
    """Problems raised by the builtin `name` (argv[0] without its directory) given its words."""
    assigned = [m.group(1) for w in words[1:] if (m := _FD_VARIABLE.match(w.value))]
    if any(dangerous_variable(n) or n in _CODE_VARIABLES for n in assigned):
        return ["a {NAME}> redirection assigns an fd number to PATH or another variable that decides "
                "what programs run"]
    if name not in _CHECKED:
        return []
    values = [w.value for w in words[1:]]
    problems = [_FIXED[name]] if name in _FIXED else []
    problems += _runtime_option_problems(name, words[1:])
    if name in _DECLARERS:
        problems += _declaration_problems(name, words, values)
    elif name == "unset" and not _has_flag(values, "f"):
        if any(dangerous_variable(base_name(v)) for v in values if not v.startswith("-")):
            problems.append("unset of PATH or another variable that decides what programs run")
    elif name == "set" and ({"history", "posix"} & set(values) or _has_flag(values, "H")):
        # history on: bash appends the string's later lines to $HISTFILE at exit; POSIX mode turns on
        # alias expansion (BASH_ALIASES without `alias`).
        problems.append("set -o history or posix makes bash write its history file or expand aliases")
    elif name == "set" and (_has_flag(values, "k") or "keyword" in values):
        problems.append("set -k makes arguments that look like assignments into environment variables")
    elif name == "jobs" and _has_flag(values, "x"):
        problems.append("jobs -x runs a command")
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
    elif name == "printf" and any(v.startswith("-v") and len(v) > 2 for v in values):
        problems += _printf_attached(values)
    elif name == "wait" and any(v[:1] == "-" and v[1:2] != "-" and "p" in v[1:-1] for v in values):
        problems.append("wait -pNAME sets a variable named in an option bundle")
    elif name == "read":
        attached = _read_array_names(values)
        if any(dangerous_variable(base_name(n)) or base_name(n) in _CODE_VARIABLES for n in attached):
            problems.append("read sets PATH or a code-running variable from run-time input")
    if name in ("declare", "typeset", "local") and _has_flag(values, "n"):
        problems.append(f"{name} -n makes assignments to one name set another (PATH, LD_PRELOAD...)")
    if name in _NAME_TAKERS and any(_SUBSCRIPT_CODE.search(v) for v in _names(name, values)):
        problems.append(f"{name}: an array subscript in a variable name is evaluated and can run code")
    if name in _RUNTIME_SETTERS and any(dangerous_variable(v) for v in _names(name, values)):
        problems.append(f"{name} sets PATH or a code-running variable from run-time input")
    if name in _NAME_TAKERS and any(w.dynamic for w in _name_words(name, words[1:])):
        # `x='a[$(id)]'; [[ -v $x ]]` and `unset "$x"` evaluate the subscript of a name known at run time.
        problems.append(f"{name}: a variable name known only at run time can hide code in a subscript")
    return problems


# test's binary operators: a word followed by one of these is an operand, never a unary operator.
_TEST_BINARY = frozenset(
    {"=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef", "-a", "-o"}
)


# Expansions that are always a number (never `-v`): `$#`, `$?`, `$$`, `$!`, `${#name}`.
_NUMERIC_PARAMETER = re.compile(r"\$[#?$!]|\$\{#[A-Za-z_][A-Za-z0-9_]*\}")


def _may_be_option(word: Word) -> bool:
    """A word known only at run time that may start with `-` (`"%s-$x"` starts with a literal `%`)."""
    return word.dynamic and word.value[:1] in ("$", "`", "-", "\\", "")


def _runtime_option_problems(name: str, words: list[Word]) -> list[str]:
    """Options of builtins that act on the shell, arriving through an expansion: the literal `set -k`,
    `set -o history`, `jobs -x CMD`, `printf -v PATH`, `test -v 'a[$(cmd)]'` are judged, so a value only
    known at run time in an option's place may be any of them (`x=k; set -$x`, `t=-v; test $t "$n"`)."""
    if name == "set":
        for word in words:
            if word.dynamic:
                return ["set: an option only known at run time can turn on -k, history or posix mode"]
            if word.value in ("--", "-") or not word.value.startswith(("-", "+")):
                break  # the positional parameters start here (`set -- $x` only sets $1...)
    elif name == "jobs" and any(w.dynamic for w in words):
        return ["jobs: an argument only known at run time can be -x, which runs a command"]
    elif name == "printf" and words and _may_be_option(words[0]) and (words[0].splits or len(words) > 2):
        return ["printf: a format only known at run time can be -v NAME, which sets a variable"]
    elif name in ("test", "["):
        operands = words[:-1] if name == "[" and words and words[-1].value == "]" else words
        for i, word in enumerate(operands):
            if not word.dynamic or _NUMERIC_PARAMETER.fullmatch(word.value):
                continue
            if word.splits:
                return [f"{name}: an unquoted expansion can split into -v NAME, which evaluates a subscript"]
            at_operator = i == 0 or operands[i - 1].value in ("!", "(", "-a", "-o")
            follows = operands[i + 1] if i + 1 < len(operands) else None
            if at_operator and follows is not None and follows.value not in _TEST_BINARY:
                return [f"{name}: an operator only known at run time can be -v, which evaluates a subscript"]
    return []


# Builtins that bind or clear variables named by their operands or option values, without `NAME=`.
_BINDERS = frozenset(
    {"read", "mapfile", "readarray", "printf", "getopts", "wait", "unset", "local", "declare", "typeset",
     "export", "readonly"}
)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def rebound_names(name: str, words: list[Word]) -> list[str]:
    """Every name `name` may (re)bind or unset: `read -r USER`, `printf -vUSER`, `unset LOGNAME`, a value-less
    `local USER` (unset in the function). Generous on purpose — any identifier in any operand — since it
    only makes the policy stop expanding $USER, $PWD... to the runner's values; "*" for an operand known
    only at run time (`read "$n"` may bind any name)."""
    if name not in _BINDERS:
        return []
    found: list[str] = []
    for word in words[1:]:
        if word.dynamic:
            return ["*"]
        found += _IDENTIFIER.findall(word.value.split("=", 1)[0])
    return found


# Every name command_problems has a rule for; any other command raises none.
_CHECKED = frozenset(
    {*_FIXED, "alias", "hash", "enable", "mapfile", "readarray", "declare", "typeset", "local", "set", "jobs"}
) | _NAME_TAKERS | _RUNTIME_SETTERS


_READ_VALUES = "adinNptu"  # read's options that take a value (-a's value is the array's name)


def _read_array_names(values: list[str]) -> list[str]:
    """The names `read -a` fills, attached (`-aPATH`, `-raPATH`) or separate (`-a PATH`)."""
    found = []
    for i, value in enumerate(values):
        if not value.startswith("-") or value.startswith("--") or len(value) < 2:
            continue
        for j, letter in enumerate(value[1:], 1):
            if letter in _READ_VALUES:
                rest = value[j + 1 :]
                if letter == "a":
                    found.append(rest or (values[i + 1] if i + 1 < len(values) else ""))
                break
    return found


def _printf_attached(values: list[str]) -> list[str]:
    """`printf -vPATH .`: the name attached to -v is a name like a separate one."""
    found = [v[2:] for v in values if v.startswith("-v") and len(v) > 2]
    if any(dangerous_variable(base_name(n)) or base_name(n) in _CODE_VARIABLES for n in found):
        return ["printf sets PATH or a code-running variable from run-time input"]
    if any("[" in n for n in found):
        return ["printf: an array subscript in a variable name is evaluated and can run code"]
    return []


def _has_flag(values: list[str], letter: str) -> bool:
    return any(v.startswith("-") and not v.startswith("--") and letter in v[1:] for v in values)


def _names(name: str, values: list[str]) -> list[str]:
    if name == "printf":  # only -v takes a name; the format and arguments are data
        return [values[i + 1] for i, v in enumerate(values[:-1]) if v == "-v"]
    return [v.split("=", 1)[0] for v in values if not v.startswith("-")]


# Options of the name-taking builtins that take a value which is not a name (`read -p PROMPT`).
_VALUE_OPTIONS = {"read": "pdtnNui", "mapfile": "dnOsuC", "readarray": "dnOsuC", "wait": ""}


def _name_words(name: str, words: list[Word]) -> list[Word]:
    """The words `name` reads as variable names (for `test`/`[`/`[[`: the operand of -v and -R)."""
    if name in ("test", "[", "[["):
        return [w for i, w in enumerate(words[1:], 1) if words[i - 1].value in ("-v", "-R")]
    if name == "printf":
        return [words[i + 1] for i, w in enumerate(words[:-1]) if w.value == "-v"]
    if name in ("let", "getopts"):
        return words[1:2] if name == "getopts" else []
    takes = _VALUE_OPTIONS.get(name, "")
    found: list[Word] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word.value.startswith("-") and not word.dynamic:
            skip = bool(takes) and word.value[-1] in takes and len(word.value) == 2
        else:
            found.append(Word(word.value.split("=", 1)[0], (word.dynamic and "=" not in word.value)
                              or "$" in word.value.split("=", 1)[0] or "`" in word.value.split("=", 1)[0]))
    return found
