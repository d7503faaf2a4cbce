"""Bash arithmetic evaluates variable values recursively, and `a[$(cmd)]` found in a value runs cmd:

    x='a[$(rm -rf ~)]'; echo $((x))      # runs rm, though no `$(` is ever outside quotes

So arithmetic that reads a variable (in `$((...))`, `((...))`, `for ((...))`, `[[ x -eq y ]]`, `${s:off:len}`,
array subscripts) cannot be reasoned about statically, and is a problem. Literal numbers are fine.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .context import Collector, brief
from .words import text_of

if TYPE_CHECKING:
    from tree_sitter import Node

PROBLEM = "arithmetic reads a variable, whose value can hide code (x='a[$(cmd)]'; $((x)))"
_READS = frozenset(
    {"variable_name", "simple_expansion", "expansion", "word", "command_substitution", "string"}
)
_COMPARISONS = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge"})
_LITERAL_INDEX = re.compile(r"\s*(-?\d+|[@*])\s*")
_LITERAL_NUMBER = re.compile(r"-?\d+")


def check(node: Node | None, out: Collector) -> None:
    if node is not None and _reads_variable(node):
        out.problem(PROBLEM)


def _reads_variable(node: Node) -> bool:
    pending = [node]
    while pending:
        current = pending.pop()
        if current.type in _READS:  # in arithmetic a bare word is a variable name
            return True
        pending.extend(current.named_children)
    return False


def check_test(node: Node, src: bytes, out: Collector) -> None:
    """`[[ $x -eq 1 ]]` evaluates both sides as arithmetic (single-bracket `[` does not)."""
    pending = [node]
    while pending:
        current = pending.pop()
        operator = current.child_by_field_name("operator")
        if (
            current.type == "binary_expression"
            and operator is not None
            and text_of(operator, src) in _COMPARISONS
            and not all(_LITERAL_NUMBER.fullmatch(text_of(side, src)) for side in _sides(current))
        ):
            out.problem(PROBLEM)
            return
        pending.extend(current.named_children)


def _sides(node: Node) -> list[Node]:
    return [side for side in (node.child_by_field_name("left"), node.child_by_field_name("right")) if side]


def check_expansion(node: Node, src: bytes, out: Collector) -> None:
    children = node.children
    text = text_of(node, src)
    # ${!name} expands the variable whose name is in `name`, subscript included: a[$(cmd)] runs cmd.
    if len(children) > 1 and children[1].type == "!" and not text.endswith(("*}", "@}", "[@]}", "[*]}")):
        out.problem("indirect expansion ${!name} reads a variable named at run time, which can run code")
    seen_colon = False
    for child in children:
        if child.type == ":":  # ${s:offset:length}: both are arithmetic
            seen_colon = True
        elif seen_colon and child.is_named and _reads_variable(child):
            out.problem(PROBLEM)
            return


def check_subscript(node: Node, src: bytes, out: Collector) -> None:
    index = node.child_by_field_name("index")
    if index is not None and not _LITERAL_INDEX.fullmatch(text_of(index, src)):
        out.problem(
            f"array subscript {brief(text_of(index, src))} is evaluated as arithmetic and can run code"
        )
