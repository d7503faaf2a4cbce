"""Per-command argument rules: an allowlist grammar for what an invocation of one program may look like.

A rule says which subcommands, flags and positional arguments a program may take, and what type each
value is: a path read or a path written (both confined to the workspace), an integer, or opaque text.
Anything the rule does not describe is not allowed: an unknown flag or subcommand asks, a forbidden one
denies. Rules live in tool-policy.json under "commands" (an addition to the Rust vtcode's format).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .models import StrictModel, ToolPolicy

# What a value means to the policy. read_path / write_path go through the workspace jail; int must parse;
# opaque is anything; optional: a flag whose value can only be attached (`date -Iseconds`, `--backup=x`);
# tar_archive: tar's -f, written when tar creates or appends (c, r, u, A) and read otherwise;
# the named checkers (sed_script, git_refspec, dd_operand, assignment, date_operand, jq_filter,
# jq_operand) live in vtcode/policy/arg_types.py.
ArgType = Literal[
    "read_path", "write_path", "int", "opaque", "sed_script", "git_refspec", "dd_operand", "none",
    "assignment", "date_operand", "optional", "tar_archive", "jq_filter", "jq_operand",
]


class CommandRule(StrictModel):
    """How one program (or one of its subcommands) may be invoked."""

    decision: ToolPolicy = "allow"
    reason: str = ""
    # Flags the program may take, each mapped to the type of its value ("none": takes no value).
    # None means the rule does not restrict flags (only forbidden ones are checked).
    flags: dict[str, ArgType] | None = Field(default_factory=dict)
    # Flags that make an invocation dangerous, with why: present (or abbreviated) means deny.
    forbidden_flags: dict[str, str] = {}
    # Flags that make an invocation worth asking about, with why (`sha256sum -c` reads the files a list
    # names; `jq --rawfile NAME FILE` reads its second argument).
    prompt_flags: dict[str, str] = {}
    unknown_flag: ToolPolicy = "prompt"  # "allow": unlisted flags are harmless switches
    # Subcommands, keyed by the first positional argument; their own rules apply to what follows it.
    subcommands: dict[str, CommandRule] | None = None
    unknown_subcommand: ToolPolicy = "prompt"
    # Types of positional arguments in order, then of every further one (None: no further ones).
    positionals: list[ArgType] = []
    rest: ArgType | None = "opaque"
    # The type of the last positional when there are two or more (`cp SRC... DEST`: DEST is written).
    last: ArgType | None = None
    # Flags that supply what the first positionals would be (`grep -e PATTERN`, `grep -f FILE`): when
    # one is present every positional is a `rest` value (grep's file operands).
    pattern_flags: list[str] = []
    # POSIX option order: the first positional ends the flags (wrappers: `time -p ls -la`).
    options_first: bool = False
    # The first argument may be a dashless bundle whose letters take their values from the next words in
    # order (`tar czf out.tgz src` is `tar -c -z -f out.tgz src`).
    old_style: bool = False
    # Flags with single-dash long names (find's -name, dd has none): never split into letter bundles.
    long_single_dash: bool = False
    # Interpreters and wrappers: never offered "always allow", whatever the decision.
    interpreter: bool = False
    # Whole argument lists that only print information (`--version`, `--help`): allowed whatever the
    # decision, because the program answers them before it reads any project file or code.
    queries: list[str] = []
    # Example invocations checked when the policy loads: `match` must get `decision`, `not_match` must not.
    match: list[str] = []
    not_match: list[str] = []
