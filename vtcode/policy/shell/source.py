"""Facts about the raw text, checked where tree-sitter-bash and bash could disagree about it.

The parser is a grammar, not bash. Where the two could part ways in a way that hides a command, the text is
checked against the tree: line continuations are joined before parsing, and every `$(`, backquote, `<(` and
`>(` in live code must be a substitution the walk actually visited.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .hazards import RESERVED
from .options import names
from .words import text_of

if TYPE_CHECKING:
    from tree_sitter import Node

# Control characters other than tab and newline (bash keeps `\r` inside words; the grammar may not), and
# bidirectional / invisible format characters, which make the text a human approves differ from what runs.
_SUSPICIOUS = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_LITERAL = frozenset({"raw_string", "ansi_c_string", "comment"})
_ARITHMETIC = frozenset({"arithmetic_expansion", "c_style_for_statement", "test_command"})
_OPENERS = (b"$(", b"`", b"<(", b">(")
_BLANK = re.compile(rb"[ \t\n]")
# Leaves that bash would end at an unquoted blank. tree-sitter lexes `echo x` NEWLINE `\rm -rf /` with a word
# `\n\\rm`, hiding rm as an argument of echo; the grammar has a few such corners.
_WORD_LEAVES = names(
    "word number extglob_pattern regex heredoc_start variable_name special_variable_name file_descriptor "
    "test_operator"
)
_QUOTING = frozenset({"string", "raw_string", "ansi_c_string", "translated_string", "heredoc_body"})
# Nodes whose text is shell code again wherever they stand (inside double quotes, a heredoc body...).
_LIVE_AGAIN = frozenset({"command_substitution", "process_substitution"})


def encode(source: str) -> tuple[bytes, list[str]]:
    """UTF-8 bytes for the parser, and problems with the text itself."""
    problems = []
    if "\0" in source:
        problems.append("contains a NUL byte")  # an argv string cannot: what runs depends on who cuts it
    elif _SUSPICIOUS.search(source):
        problems.append("contains control or invisible characters")
    try:
        return source.encode("utf-8"), problems
    except UnicodeEncodeError:
        return source.encode("utf-8", "replace"), [*problems, "is not valid Unicode"]


def join_continuations(src: bytes, root: Node) -> bytes | None:
    """Remove backslash-newline where bash does: everywhere but inside single quotes, $'...', comments and
    quoted heredocs (unquoted heredoc lines are joined too, before bash looks for the delimiter).
    tree-sitter reads `r\\<newline>m` as two words; bash reads `rm`."""
    cuts: list[int] = []
    position = src.find(b"\\\n")
    while position >= 0:
        run = 0
        while position - run >= 0 and src[position - run] == 0x5C:
            run += 1
        if run % 2 == 1 and not _inert_text(root, position, src):  # an even run: escaped backslashes
            cuts.append(position)
        position = src.find(b"\\\n", position + 2)
    return _splice(src, cuts, skip=2, joiner=b"") if cuts else None


def _inert_text(root: Node, position: int, src: bytes) -> bool:
    """True when the byte at `position` is text bash never reads as code or joins."""
    node: Node | None = root.descendant_for_byte_range(position, position + 1)
    while node is not None:
        if node.type in _LITERAL:
            return True
        if node.type == "heredoc_body":
            return _quoted_heredoc(node, src)
        node = node.parent
    return False


def _quoted_heredoc(body: Node, src: bytes) -> bool:
    parent = body.parent
    start = next((c for c in parent.children if c.type == "heredoc_start"), None) if parent else None
    return start is not None and any(c in text_of(start, src) for c in "'\"\\")


def unaccounted_substitution(src: bytes, root: Node, visited: set[int]) -> int | None:
    """Position of a substitution opener in live code that the walk never visited, if any."""
    for token in _OPENERS:
        position = src.find(token)
        while position >= 0:
            live = not _escaped(src, position) and not _inert(root, position, token, src)
            if live and position not in visited:
                return position
            position = src.find(token, position + 1)
    return None


def _escaped(src: bytes, position: int) -> bool:
    run = 0
    while position - run - 1 >= 0 and src[position - run - 1] == 0x5C:
        run += 1
    return run % 2 == 1


def _inert(root: Node, position: int, token: bytes, src: bytes) -> bool:
    process = token in (b"<(", b">(")
    node: Node | None = root.descendant_for_byte_range(position, position + 1)
    while node is not None:
        kind = node.type
        if kind in _LITERAL:
            return True
        if kind == "heredoc_body":
            return process or _quoted_heredoc(node, src)
        if process and (kind == "string" or kind in _ARITHMETIC or _arithmetic_command(node)):
            return True  # `<(` is plain text in double quotes and a comparison in arithmetic
        if kind == "command_substitution" and node.child_count and node.children[0].type == "`":
            return node.start_byte < position  # inside backquotes: the re-parsed body checked it
        node = node.parent
    return False


def _arithmetic_command(node: Node) -> bool:
    return node.type == "compound_statement" and node.child_count > 0 and node.children[0].type == "(("


def separate_lines(src: bytes, root: Node) -> bytes | None:
    """Put a blank after each newline tree-sitter lexed into a word (`echo x` NEWLINE `\\rm` becomes one
    command with a word `\n\\rm`). A newline in live code ends the command for bash, and blanks at the start
    of a line mean nothing, so the fixed text means the same to bash and is read correctly by the grammar."""
    cuts = [match.end() for match in re.finditer(rb"\n", src) if _in_live_word(src, root, match.start())]
    return _splice(src, cuts, skip=0, joiner=b" ") if cuts else None


def quote_escaped_blanks(src: bytes, root: Node) -> bytes | None:
    """Write an escaped blank the grammar skipped (`echo \\  x`, a word that is only `\\ `; `$'a'\\ ` at
    the end) as a quoted one: `\\ ` and `' '` are the same word to bash, and the grammar reads the second.
    Found by the generated differential test against bash (test_shell_bash_generated.py)."""
    cuts: list[tuple[int, bytes]] = []
    for match in re.finditer(rb"\\[ \t]", src):
        position = match.start()
        run = 0
        while position - run >= 0 and src[position - run] == 0x5C:
            run += 1
        if run % 2 == 1 and _skipped(root, position):
            cuts.append((position, b"' '" if src[position + 1] == 0x20 else b"'\t'"))
    if not cuts:
        return None
    pieces = []
    previous = 0
    for position, replacement in cuts:
        pieces += [src[previous:position], replacement]
        previous = position + 2
    pieces.append(src[previous:])
    return b"".join(pieces)


def _skipped(root: Node, position: int) -> bool:
    """True when no word, quote or comment covers the byte at `position`: the grammar read past it."""
    node: Node | None = root.descendant_for_byte_range(position, position + 1)
    while node is not None:
        if node.type in _WORD_LEAVES or node.type in _QUOTING or node.type in _LITERAL or node.type in (
            "concatenation", "heredoc_redirect", "ERROR"
        ):
            return False
        node = node.parent
    return True


def _splice(src: bytes, cuts: list[int], *, skip: int, joiner: bytes) -> bytes:
    """`src` with `skip` bytes removed at each cut and `joiner` put there instead."""
    pieces = []
    previous = 0
    for cut in cuts:
        pieces.append(src[previous:cut])
        previous = cut + skip
    pieces.append(src[previous:])
    return joiner.join(pieces)


def _in_live_word(src: bytes, root: Node, position: int) -> bool:
    node: Node | None = root.descendant_for_byte_range(position, position + 1)
    if node is None or node.type not in _WORD_LEAVES or _escaped(src, position):
        return False
    while node is not None and node.type not in _QUOTING:
        if node.type in _LIVE_AGAIN:
            return True  # `"$( echo x` NEWLINE `\rm )"`: code inside a substitution is live, quotes or not
        node = node.parent
    return node is None


def drop_keyword_prefixes(src: bytes, root: Node) -> bytes | None:
    """Blank out `!` and `time [-p]` in front of a compound command. tree-sitter reads `! { rm; }` and
    `time if a; then rm; fi` as programs named `{` / `if`, hiding rm; neither keyword changes which commands
    run, so without them the grammar sees the same commands bash would run."""
    blanks: list[tuple[int, int]] = []
    pending = [root]
    while pending:
        node = pending.pop()
        pending.extend(node.named_children)
        if node.type == "negated_command" and node.named_child_count:
            inner = node.named_children[0]
            if _program_text(inner, src) in RESERVED:
                blanks.append((node.start_byte, inner.start_byte))
        elif node.type == "command" and _program_text(node, src) == "time":
            arguments = [
                a for a in node.children_by_field_name("argument") if not text_of(a, src).startswith("-")
            ]
            if arguments and text_of(arguments[0], src) in RESERVED:
                blanks.append((node.start_byte, arguments[0].start_byte))
    if not blanks:
        return None
    patched = bytearray(src)
    for start, end in blanks:
        patched[start:end] = b" " * (end - start)  # same length: byte offsets stay valid
    return bytes(patched)


def _program_text(node: Node, src: bytes) -> str | None:
    name = node.child_by_field_name("name") if node.type == "command" else None
    return text_of(name, src) if name is not None else None


def blank_inside_word(src: bytes, root: Node) -> int | None:
    """Position of an unquoted, unescaped blank that tree-sitter put inside a word, if any."""
    for match in _BLANK.finditer(src):
        position = match.start()
        # Most blanks sit between words: the node there is no word leaf, which settles it without a call.
        node = root.descendant_for_byte_range(position, position + 1)
        if node is not None and node.type in _WORD_LEAVES and _in_live_word(src, root, position):
            return position
    return None


def stray_case_terminator(root: Node) -> int | None:
    """Where `;;`, `;&` or `;;&` stands outside a case item (tree-sitter reads `a;;` as `a`; bash refuses)."""
    pending = [root]
    while pending:
        node = pending.pop()
        for child in node.children:
            if child.type in (";;", ";&", ";;&") and node.type != "case_item":
                return child.start_byte
            if child.child_count:
                pending.append(child)
    return None


def first_error(root: Node) -> Node | None:
    """The first ERROR or MISSING node in source order."""
    pending = [root]
    while pending:
        node = pending.pop()
        if node.type == "ERROR" or node.is_missing:
            return node
        if node.has_error:
            pending.extend(reversed(node.children))
    return None
