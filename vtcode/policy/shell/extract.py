"""The tree walk: every simple command in a tree-sitter-bash tree, whatever composes or hides it.

Commands are reported in source order, each followed by what is nested in it (its substitutions, its
heredoc pipelines). Structure the walk does not know is descended into generically, so an unknown node
type can only make the walk look at more, never at less.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import arithmetic
from .context import DEPTH_PROBLEM, MAX_DEPTH, Collector, Context, brief
from .hazards import RESERVED, assignment_problems, base_name, declaration_assignments, reserved_word_problem
from .options import names
from .redirects import RedirectRead, read_redirect
from .resolve import BodyParser, run_command
from .words import (
    BRACE_PROBLEM,
    EXPANSIONS,
    Word,
    expand_braces,
    merge,
    text_between,
    text_of,
    unescape_backquoted,
    word_of,
    word_of_nodes,
)

if TYPE_CHECKING:
    from tree_sitter import Node

_REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_SUBSTITUTIONS = frozenset({"command_substitution", "process_substitution", "arithmetic_expansion"})
_KEYWORD_VIA = {
    "if_statement": "if",
    "while_statement": "while",
    "for_statement": "for",
    "c_style_for_statement": "for",
    "case_statement": "case",
    "negated_command": "negated",
    "subshell": "subshell",
    "function_definition": "function",
    "process_substitution": "process_substitution",
    "heredoc_body": "heredoc",
}
_ASSIGNING_OPERATORS = frozenset({"=", ":="})
_INTEGER_KEY = re.compile(r"\[\d+\]\+?=")
_TEST_WORDS = EXPANSIONS | names(
    "word number string raw_string ansi_c_string concatenation translated_string extglob_pattern regex"
)


class Walker:
    """Walks one parsed source. `openers` collects where substitutions start, for the safety net."""

    def __init__(self, src: bytes, out: Collector, parse_body: BodyParser) -> None:
        self.src = src
        self.out = out
        self.parse_body = parse_body
        self.openers: set[int] = set()

    def walk(self, node: Node, ctx: Context, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.out.problem(DEPTH_PROBLEM)
            return
        kind = node.type
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(self, node, ctx, depth)
        elif kind in _KEYWORD_VIA:
            self.children(node, ctx.enter(_KEYWORD_VIA[kind]), depth)
        elif node.child_count:  # a leaf without a handler (a word, a name...) holds nothing to walk
            self.children(node, ctx, depth)

    def children(self, node: Node, ctx: Context, depth: int) -> None:
        """Descend into every named child; a statement followed by `&` runs in the background."""
        siblings = node.children
        last = len(siblings) - 1
        for i, child in enumerate(siblings):
            if child.is_named:
                background = i < last and siblings[i + 1].type == "&"
                self.walk(child, ctx.enter("background") if background else ctx, depth + 1)

    # Composition ---------------------------------------------------------------------------------------

    def flat(self, node: Node, ctx: Context, depth: int) -> None:
        """Lists and pipelines nest to the left (`a && b && c`); flattened so long chains cost no depth."""
        kind = node.type
        inner = ctx.enter("pipeline") if kind == "pipeline" else ctx
        parts: list[Node] = []
        pending = [node]
        while pending:
            current = pending.pop()
            if current.type == kind:
                pending.extend(reversed(current.children))
            else:
                parts.append(current)
        first = True
        for i, part in enumerate(parts):
            if part.is_named:
                background = i + 1 < len(parts) and parts[i + 1].type == "&"
                here = inner.enter("background") if background else inner
                # After the first stage of a pipeline the command reads the pipe: "piped" says its stdin
                # is what the string chose (`sqlite3 db` approved is not `... | sqlite3 db` approved).
                if kind == "pipeline" and not first:
                    here = here.enter("piped")
                first = False
                self.walk(part, here, depth + 1)

    def compound(self, node: Node, ctx: Context, depth: int) -> None:
        if node.child_count and node.children[0].type == "((":  # an arithmetic command
            arithmetic.check(node, self.out)
            self.children(node, ctx.enter("arithmetic"), depth)
        else:
            self.children(node, ctx.enter("group"), depth)

    def c_style_for(self, node: Node, ctx: Context, depth: int) -> None:
        arithmetic.check(node.child_by_field_name("condition"), self.out)
        arithmetic.check(node.child_by_field_name("initializer"), self.out)
        arithmetic.check(node.child_by_field_name("update"), self.out)
        self.children(node, ctx.enter("for"), depth)

    def function(self, node: Node, ctx: Context, depth: int) -> None:
        # The body runs whenever the function is called (and `f` may shadow any command name), so its
        # commands count as commands that could run. Redirects on the definition apply to every call.
        read = self.redirects(node.children_by_field_name("redirect"))
        name = node.child_by_field_name("name")
        if name is not None:
            self.out.functions.append(text_of(name, self.src))
        inner = ctx.enter("function", redirects=tuple(read.redirects))
        body = node.child_by_field_name("body")
        if body is not None:
            self.walk(body, inner, depth + 1)

    def redirected(self, node: Node, ctx: Context, depth: int) -> None:
        redirect_nodes = node.children_by_field_name("redirect")
        read = self.redirects(redirect_nodes)
        body = node.child_by_field_name("body")
        if body is not None and body.type == "command":
            self.simple(body, ctx, depth, read)
        else:
            if read.extra_words:  # `{ a; } > f b` is a syntax error to bash
                self.out.problem("words after the redirection of a compound command")
            if body is not None:
                self.walk(body, ctx.enter(redirects=tuple(read.redirects)), depth + 1)
        for redirect in redirect_nodes:  # substitutions in targets, pipelines after `<<EOF`
            self.walk(redirect, ctx, depth + 1)

    def redirects(self, nodes: list[Node]) -> RedirectRead:
        read = RedirectRead()
        for redirect in nodes:
            read_redirect(redirect, self.src, read)
        for problem in read.problems:
            self.out.problem(problem)
        self.out.redirects.extend(read.redirects)
        return read

    # Simple commands -----------------------------------------------------------------------------------

    def command(self, node: Node, ctx: Context, depth: int) -> None:
        self.simple(node, ctx, depth, RedirectRead())

    def simple(self, node: Node, ctx: Context, depth: int, read: RedirectRead) -> None:
        src = self.src
        assignments: list[tuple[str, str]] = []
        own = RedirectRead()
        children = node.children
        # Word nodes, grouped where they touch: tree-sitter splits some words bash reads as one
        # (`a\{b,c}`, `$"x"y`); gluing the nodes keeps each part's quoting for brace expansion.
        groups: list[list[Node]] = []
        for child in children:
            kind = child.type
            if kind == "variable_assignment":
                assignments.append(self.assignment(child))
                continue
            if kind in _REDIRECTS:
                read_redirect(child, src, own)
                continue
            if kind == "comment":
                continue
            if kind == "command_name":
                if text_of(child, src) in RESERVED:
                    self.out.problem(reserved_word_problem(text_of(child, src)))
                parts = child.children or [child]
            else:
                parts = [child]
            for part in parts:
                if groups and groups[-1][-1].end_byte == part.start_byte:
                    groups[-1].append(part)
                else:
                    groups.append([part])
        words = [word_of(g[0], src) if len(g) == 1 else word_of_nodes(g, src) for g in groups]
        for problem in own.problems:
            self.out.problem(problem)
        self.out.redirects.extend(own.redirects)
        if read.extra_words or own.extra_words:
            words = sorted(words + read.extra_words + own.extra_words, key=_start)
        # (Without extra words the list is already in source order: one word per child, children in order.)
        words = _merge_touching(words)
        words, opaque = expand_braces(words)
        if opaque:
            self.out.problem(BRACE_PROBLEM)
        redirects = tuple(read.redirects + own.redirects)
        if not words:
            self.out.variables.extend(assignments)  # `A=1` alone sets a shell variable
        run_command(words, tuple(assignments), ctx.here(depth, redirects), self.out, self.parse_body)
        for child in children:
            if child.type == "variable_assignment":
                self.children(child, ctx, depth)
            else:
                self.walk(child, ctx, depth + 1)

    def assignment(self, node: Node) -> tuple[str, str]:
        """(name, value); `PATH[0]=.` assigns PATH (element 0 of a scalar is the scalar itself)."""
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if value is not None and value.type == "array":
            self.compound_subscripts(value)
        return (
            base_name(text_of(name, self.src)) if name is not None else "",
            word_of(value, self.src).value if value is not None else "",
        )

    def compound_subscripts(self, array: Node) -> None:
        """`b=([x]=1)`: each `[subscript]=` of a compound value is arithmetic for an indexed array, and a
        name in it is evaluated recursively (`x` holding `a[$(cmd)]` runs cmd). Only integers are inert."""
        for element in array.named_children:
            text = text_of(element, self.src).lstrip()
            if text.startswith("[") and not _INTEGER_KEY.match(text):
                self.out.problem(f"the subscript in the compound value element {brief(text)} is evaluated "
                                 "as arithmetic, which can run code")
                return

    def bare_assignment(self, node: Node, ctx: Context, depth: int) -> None:
        nodes = [node] if node.type == "variable_assignment" else node.named_children
        assignments = [self.assignment(n) for n in nodes if n.type == "variable_assignment"]
        self.out.variables.extend(assignments)
        for problem in assignment_problems(assignments):
            self.out.problem(problem)
        for child in nodes:
            self.children(child, ctx, depth)

    def declaration(self, node: Node, ctx: Context, depth: int) -> None:
        """export/declare/local/readonly/typeset/unset: builtins whose assignments outlive the command.

        The builtin parses its own arguments after quoting and brace expansion, as bash does: the words
        are glued where they touch (`export P"A"TH=.`), brace-expanded (`export {PATH,X}=.`), and only
        then split into name and value (`export PATH"=."`)."""
        words: list[Word] = []
        groups: list[list[Node]] = []
        for child in node.children:
            if child.is_named and child.type != "comment":
                if groups and groups[-1][-1].end_byte == child.start_byte:
                    groups[-1].append(child)  # touching nodes are one word to bash
                else:
                    groups.append([child])
            elif not words and not groups:
                words.append(Word(child.type))  # the keyword
        words += [word_of_nodes(group, self.src) for group in groups]
        words, opaque = expand_braces(words)
        if opaque:
            self.out.problem(BRACE_PROBLEM)
        keyword = words[0].value if words else ""
        assignments = declaration_assignments(keyword, words[1:])
        self.out.variables.extend(assignments)
        for problem in assignment_problems(assignments):
            self.out.problem(problem)
        run_command(words, (), ctx.here(depth), self.out, self.parse_body)
        for child in node.children:
            if child.type == "variable_assignment":
                self.children(child, ctx, depth)
            else:
                self.walk(child, ctx, depth + 1)

    def test(self, node: Node, ctx: Context, depth: int) -> None:
        """`[ ... ]` and `[[ ... ]]` are reported as commands named `[` / `[[`."""
        words: list[Word] = []
        pending = list(reversed(node.children))
        while pending:
            current = pending.pop()
            if current.type in _TEST_WORDS:
                words.append(word_of(current, self.src))
            elif current.child_count == 0:
                words.append(Word(text_of(current, self.src)))
            else:
                pending.extend(reversed(current.children))
        if words and words[0].value == "[[":
            arithmetic.check_test(node, self.src, self.out)
        run_command(words, (), ctx.here(depth), self.out, self.parse_body)
        self.children(node, ctx.enter("test"), depth)

    # Substitutions -------------------------------------------------------------------------------------

    def substitution(self, node: Node, ctx: Context, depth: int) -> None:
        self.openers.add(node.start_byte)
        if node.type == "arithmetic_expansion":
            arithmetic.check(node, self.out)
            self.children(node, ctx.enter("arithmetic"), depth)
        elif node.child_count and node.children[0].type == "`":
            self.backquoted(node, ctx, depth)
        else:
            self.redirects(node.children_by_field_name("redirect"))  # `$(< file)` reads file, runs nothing
            self.children(node, ctx.enter(_KEYWORD_VIA.get(node.type, "command_substitution")), depth)

    def backquoted(self, node: Node, ctx: Context, depth: int) -> None:
        # Bash re-reads the text between backquotes after removing \\ \` \$ escapes, so `echo \`rm\``
        # nested inside runs rm. tree-sitter does not model that; parsing the unescaped text does.
        closed = node.child_count > 1 and node.children[-1].type == "`"
        end = node.end_byte - 1 if closed else node.end_byte
        self.openers.add(end)
        body = unescape_backquoted(text_between(self.src, node.start_byte + 1, end))
        self.parse_body(body, ctx.enter("command_substitution", depth=depth), self.out)

    def expansion(self, node: Node, ctx: Context, depth: int) -> None:
        arithmetic.check_expansion(node, self.src, self.out)
        children = node.children
        for i in range(1, len(children) - 1):
            kind = children[i].type
            if kind in _ASSIGNING_OPERATORS and children[i - 1].type == "variable_name":
                # `${PATH:=.}` assigns PATH when it is unset or empty: a statement-level assignment.
                value = children[i + 1] if children[i + 1].type != "}" else None
                self.out.variables.append(
                    (text_of(children[i - 1], self.src), word_of(value, self.src).value if value else "")
                )
            elif (kind == "@" and children[i + 1].type == "P") or text_of(node, self.src).endswith("@P}"):
                # `${x@P}` expands x as a prompt string, which runs the `$(...)` and backquotes in its value.
                self.out.problem("prompt expansion ${x@P} runs command substitutions found in a value")
        self.children(node, ctx, depth)

    def for_loop(self, node: Node, ctx: Context, depth: int) -> None:
        """`for PATH in .; do ls; done` assigns the loop variable before every iteration."""
        variable = node.child_by_field_name("variable")
        if variable is not None:
            self.out.variables.append((text_of(variable, self.src), ""))
        self.children(node, ctx.enter("for"), depth)

    def subscript(self, node: Node, ctx: Context, depth: int) -> None:
        arithmetic.check_subscript(node, self.src, self.out)
        self.children(node, ctx, depth)

    def skip(self, node: Node, ctx: Context, depth: int) -> None:
        """Comments are not run."""


def _start(word: Word) -> int:
    return word.start


def _merge_touching(words: list[Word]) -> list[Word]:
    """Words with no gap between them are one word to bash (tree-sitter splits `$"x"` and some others)."""
    previous = -2
    for word in words:
        if word.start >= 0 and word.start == previous:
            break
        previous = word.end
    else:
        return words  # no two words touch: nothing to merge
    merged: list[Word] = []
    group: list[Word] = []
    for word in words:
        if group and word.start >= 0 and word.start == group[-1].end:
            group.append(word)
            continue
        if group:
            merged.append(merge(group))
        group = [word]
    if group:
        merged.append(merge(group))
    return merged


_Handler = Callable[[Walker, "Node", Context, int], None]
_HANDLERS: dict[str, _Handler] = {
    "list": Walker.flat,
    "pipeline": Walker.flat,
    "compound_statement": Walker.compound,
    "c_style_for_statement": Walker.c_style_for,
    "for_statement": Walker.for_loop,
    "function_definition": Walker.function,
    "redirected_statement": Walker.redirected,
    "command": Walker.command,
    "variable_assignment": Walker.bare_assignment,
    "variable_assignments": Walker.bare_assignment,
    "declaration_command": Walker.declaration,
    "unset_command": Walker.declaration,
    "test_command": Walker.test,
    "expansion": Walker.expansion,
    "subscript": Walker.subscript,
    "comment": Walker.skip,
    **dict.fromkeys(_SUBSTITUTIONS, Walker.substitution),
}
