"""Redirections as the path policy needs them: operator, target path, and whether it writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .context import brief
from .model import WRITE_OPS, Redirect
from .words import BRACE_PROBLEM, OPAQUE, Word, text_of, unescape_live, word_of

if TYPE_CHECKING:
    from tree_sitter import Node

_OPERATORS = frozenset(
    {">", ">>", "<", "&>", "&>>", ">&", "<&", ">|", "<&-", ">&-", "<>", "<<", "<<-", "<<<"}
)


_HEREDOC_PARTS = frozenset({"heredoc_start", "heredoc_body", "heredoc_end"})


@dataclass
class RedirectRead:
    """What one redirect node holds. `extra_words`: words tree-sitter hung on the redirect (`echo >f b`
    gives `b` two destinations) that bash passes to the command as arguments."""

    redirects: list[Redirect] = field(default_factory=list)
    extra_words: list[Word] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_redirect(node: Node, src: bytes, out: RedirectRead) -> None:
    """Add what `node` (a file_redirect, heredoc_redirect or herestring_redirect) holds to `out`."""
    if node.type == "heredoc_redirect":
        _heredoc(node, src, out)
    elif node.type == "herestring_redirect":
        words = [word_of(c, src) for c in node.named_children if c.type != "file_descriptor"]
        body = words[0] if words else Word("")
        out.redirects.append(Redirect("<<<", "", _descriptor(node, src), False, body.dynamic, body.value))
        out.extra_words.extend(words[1:])
    else:
        _file(node, src, out)


def _descriptor(node: Node, src: bytes) -> int | None:
    for child in node.children:
        if child.type == "file_descriptor":
            text = text_of(child, src)
            return int(text) if text.isdigit() else None
    return None


def _operator(node: Node) -> str:
    for child in node.children:
        if not child.is_named and child.type in _OPERATORS:
            return child.type
    return "?"


def _file(node: Node, src: bytes, out: RedirectRead) -> None:
    op = _operator(node)
    fd = _descriptor(node, src)
    targets = [word_of(c, src) for c in node.children_by_field_name("destination")]
    out.extra_words.extend(targets[1:])
    if not targets:  # `<&-` / `>&-` close a descriptor
        out.redirects.append(Redirect(op, "", fd, False, False))
        return
    target = targets[0]
    if target.braces:  # `>{.git/hooks/pre-commit,}`: bash brace-expands the target, then opens it
        if target.braces[0] is OPAQUE:
            out.problems.append(BRACE_PROBLEM)
            return
        for word in target.braces:  # more than one is an ambiguous redirect to bash: each is judged
            out.redirects.append(Redirect(op, word.value, fd, op in WRITE_OPS, word.dynamic))
        return
    if op in (">&", "<&") and not target.dynamic and _is_fd(target.value):
        out.redirects.append(Redirect(op, "", fd, False, False))  # a duplication, not a path
        return
    # `>&word` with a non-numeric word is `&>word`: it writes the file. A dynamic word could be either,
    # so it is reported as a write (the stricter reading).
    out.redirects.append(Redirect(op, target.value, fd, op in WRITE_OPS, target.dynamic))


def _is_fd(value: str) -> bool:
    digits = value[:-1] if value.endswith("-") else value  # `3-` moves a descriptor
    return digits.isdigit() or value == "-"


def _heredoc(node: Node, src: bytes, out: RedirectRead) -> None:
    op = _operator(node)
    start = next((c for c in node.children if c.type == "heredoc_start"), None)
    end = next((c for c in node.children if c.type == "heredoc_end"), None)
    body_node = next((c for c in node.children if c.type == "heredoc_body"), None)
    if start is None:
        out.problems.append("heredoc without a delimiter")
        return
    raw_delimiter = text_of(start, src)
    quoted = any(c in raw_delimiter for c in "'\"\\")
    delimiter = _unquote_delimiter(raw_delimiter)
    body = text_of(body_node, src) if body_node is not None else ""
    lines = body.split("\n")
    if op == "<<-":
        lines = [line.lstrip("\t") for line in lines]
    # tree-sitter and bash must agree on where the body ends, or text bash runs as commands would be
    # treated as data (or the other way round).
    if end is None or text_of(end, src) != delimiter or delimiter in lines or _continues(node, start, src):
        out.problems.append(f"heredoc {brief(raw_delimiter)}: where its body ends is not understood")
    text = "\n".join(lines)
    dynamic = False
    if not quoted:
        text, dynamic = _unquoted_heredoc(text)
    out.redirects.append(Redirect(op, "", _descriptor(node, src), False, dynamic, text))
    for child in node.children_by_field_name("redirect"):  # `cat <<EOF > out`: the command's own redirects
        read_redirect(child, src, out)


def _continues(node: Node, start: Node, src: bytes) -> bool:
    """`cat <<EOF |` NEWLINE body... : bash reads the body first and the pipeline after the delimiter;
    tree-sitter reads the body's first line as the next command. Anything hung on the heredoc must end on
    the line of its operator."""
    line_end = src.find(b"\n", start.end_byte)
    return any(
        child.type not in _HEREDOC_PARTS and (line_end < 0 or child.end_byte > line_end)
        for child in node.named_children
    )


def _unquote_delimiter(raw: str) -> str:
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(raw):
        char = raw[i]
        if quote:
            if char == quote:
                quote = ""
            else:
                out.append(char)
        elif char in "'\"":
            quote = char
        elif char == "\\" and i + 1 < len(raw):
            out.append(raw[i + 1])
            i += 1
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _unquoted_heredoc(text: str) -> tuple[str, bool]:
    """Body of an unquoted heredoc: expansions are live, only \\$ \\` \\\\ and backslash-newline escape."""
    return unescape_live(text, "$`\\\n")
