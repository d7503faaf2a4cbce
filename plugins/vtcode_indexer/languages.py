"""Which grammar parses which file, and the query that finds its definitions.

Grammars are separate wheels imported only when a file of theirs is parsed; one that is not installed
makes its files "grammar missing" skips, never an error. Query captures: `@name` is the symbol's name, the
other capture is the definition node and its kind (`scope` nodes are parents only: a Rust `impl` block,
whose functions are methods of the type it names; `type` is decided by what the Go type is).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any

_JS_COMMON = """
(function_declaration name: (identifier) @name) @function
(generator_function_declaration name: (identifier) @name) @function
(method_definition name: (_) @name) @function
(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @function
"""

_TS_EXTRA = """
(class_declaration name: (type_identifier) @name) @class
(abstract_class_declaration name: (type_identifier) @name) @class
(interface_declaration name: (type_identifier) @name) @class
(enum_declaration name: (identifier) @name) @class
(type_alias_declaration name: (type_identifier) @name) @other
(method_signature name: (_) @name) @function
(abstract_method_signature name: (_) @name) @function
(internal_module name: (_) @name) @module
"""

QUERIES: dict[str, str] = {
    "python": """
(class_definition name: (identifier) @name) @class
(function_definition name: (identifier) @name) @function
""",
    "rust": """
(function_item name: (identifier) @name) @function
(function_signature_item name: (identifier) @name) @function
(struct_item name: (type_identifier) @name) @class
(enum_item name: (type_identifier) @name) @class
(union_item name: (type_identifier) @name) @class
(trait_item name: (type_identifier) @name) @class
(impl_item type: (_) @name) @scope
(mod_item name: (identifier) @name) @module
(macro_definition name: (identifier) @name) @function
(type_item name: (type_identifier) @name) @other
(const_item name: (identifier) @name) @variable
(static_item name: (identifier) @name) @variable
""",
    "javascript": _JS_COMMON + "(class_declaration name: (identifier) @name) @class\n",
    "typescript": _JS_COMMON + _TS_EXTRA,
    "tsx": _JS_COMMON + _TS_EXTRA,
    "go": """
(function_declaration name: (identifier) @name) @function
(method_declaration name: (field_identifier) @name) @method
(type_spec name: (type_identifier) @name) @type
""",
    "bash": """
(function_definition name: (word) @name) @function
""",
}


@dataclass(frozen=True, slots=True)
class Grammar:
    module: str
    function: str


GRAMMARS: dict[str, Grammar] = {
    "python": Grammar("tree_sitter_python", "language"),
    "rust": Grammar("tree_sitter_rust", "language"),
    "javascript": Grammar("tree_sitter_javascript", "language"),
    "typescript": Grammar("tree_sitter_typescript", "language_typescript"),
    "tsx": Grammar("tree_sitter_typescript", "language_tsx"),
    "go": Grammar("tree_sitter_go", "language"),
    "bash": Grammar("tree_sitter_bash", "language"),
}

EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python",
    ".rs": "rust",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".sh": "bash", ".bash": "bash",
}


class GrammarMissing(Exception):
    """The grammar wheel for a language is not installed (or does not load)."""


def language_of(path: str) -> str | None:
    dot = path.rfind(".")
    return EXTENSIONS.get(path[dot:].lower()) if dot > path.rfind("/") else None


@cache
def load(language: str) -> tuple[Any, Any]:
    """(tree_sitter.Language, tree_sitter.Query) for `language`, built once per process (parsers and
    queries are not picklable: each worker builds its own)."""
    import tree_sitter

    grammar = GRAMMARS[language]
    try:
        module = importlib.import_module(grammar.module)
        lang = tree_sitter.Language(getattr(module, grammar.function)())
    except (ImportError, AttributeError, ValueError) as exc:
        raise GrammarMissing(f"grammar missing: {language}") from exc
    return lang, tree_sitter.Query(lang, QUERIES[language])
