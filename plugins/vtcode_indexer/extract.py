"""From a file's bytes to its symbols: parse with tree-sitter, run the language's definitions query, then
nest the definitions by byte range to give each its parent (and make functions inside classes methods)."""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from .languages import load

_CONTAINERS = frozenset({"class", "scope"})  # a function directly inside one of these is a method


class RawSymbol(NamedTuple):
    """A symbol as the index stores it (compact and picklable: it crosses the worker pipe)."""

    name: str
    kind: str
    start_line: int
    end_line: int
    parent: str | None


@cache
def _parser(language: str) -> Any:
    import tree_sitter

    return tree_sitter.Parser(load(language)[0])


def extract(language: str, source: bytes) -> list[RawSymbol]:
    """Symbols of `source` in order of appearance. Syntax errors leave ERROR nodes, never an exception:
    whatever parsed is indexed."""
    import tree_sitter

    _, query = load(language)
    tree = _parser(language).parse(source)
    if language == "python":
        return _python(tree.root_node)
    found: list[tuple[int, int, str, str, Any]] = []  # start byte, end byte, kind, name, node
    for _, captures in tree_sitter.QueryCursor(query).matches(tree.root_node):
        name_nodes = captures.get("name")
        if not name_nodes:
            continue
        for kind, nodes in captures.items():
            if kind != "name":
                node = nodes[0]
                found.append((node.start_byte, -node.end_byte, kind, _text(name_nodes[0]), node))
                break
    found.sort(key=lambda item: (item[0], item[1]))
    return _nest(found)


# Python: statements that can hold a definition. A query visits every node of the file; this walk visits
# only statements, three times faster on the standard library (the cold-index benchmark's corpus).
_PY_DESCEND = frozenset({
    "block", "decorated_definition", "if_statement", "elif_clause", "else_clause", "for_statement",
    "while_statement", "try_statement", "except_clause", "except_group_clause", "finally_clause",
    "with_statement", "match_statement", "case_clause",
})


def _python(root: Any) -> list[RawSymbol]:
    symbols: list[RawSymbol] = []
    stack: list[tuple[Any, str | None, str | None]] = [(root, None, None)]  # node, parent name, its kind
    while stack:
        node, parent, parent_kind = stack.pop()
        for child in reversed(node.named_children):  # reversed: popped in source order
            kind = child.type
            if kind == "class_definition" or kind == "function_definition":
                name = child.child_by_field_name("name")
                if name is None:
                    continue
                shown = "class" if kind == "class_definition" else (
                    "method" if parent_kind == "class" else "function")
                text = _text(name)
                symbols.append(RawSymbol(text, shown, child.start_point[0] + 1, child.end_point[0] + 1,
                                         parent))
                body = child.child_by_field_name("body")
                if body is not None:
                    stack.append((body, text, shown if shown != "method" else "function"))
            elif kind in _PY_DESCEND:
                stack.append((child, parent, parent_kind))
    symbols.sort(key=lambda s: s.start_line)
    return symbols


def _nest(found: list[tuple[int, int, str, str, Any]]) -> list[RawSymbol]:
    symbols: list[RawSymbol] = []
    stack: list[tuple[int, str, str]] = []  # (end byte, name, kind) of the enclosing definitions
    for start, neg_end, kind, name, node in found:
        while stack and stack[-1][0] <= start:
            stack.pop()
        parent_kind = stack[-1][2] if stack else None
        parent = stack[-1][1] if stack else None
        shown = _kind(kind, parent_kind, node)
        if kind == "method":  # Go: the receiver's type is the parent
            parent = _receiver(node) or parent
        if shown is not None:
            symbols.append(RawSymbol(name, shown, node.start_point[0] + 1, node.end_point[0] + 1, parent))
        stack.append((-neg_end, name, kind))
    return symbols


def _kind(kind: str, parent_kind: str | None, node: Any) -> str | None:
    if kind == "scope":
        return None
    if kind == "function" and parent_kind in _CONTAINERS:
        return "method"
    if kind == "type":
        value = node.child_by_field_name("type")
        return "class" if value is not None and value.type in ("struct_type", "interface_type") else "other"
    return kind


def _receiver(node: Any) -> str | None:
    receiver = node.child_by_field_name("receiver")
    if receiver is None:
        return None
    words = _text(receiver).strip("()").split()
    return words[-1].lstrip("*").split("[", 1)[0] if words else None


def _text(node: Any) -> str:
    # Names are short; "replace" keeps a stray invalid byte from failing the whole file.
    text: str = node.text.decode("utf-8", errors="replace")
    return text.split("<", 1)[0].strip() if "<" in text else text
