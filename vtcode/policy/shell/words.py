"""Quote removal: the value bash would pass for a word, and whether that value is knowable statically.

Faithfulness matters here: `r''m`, `"r"m`, `\rm` and `$'\x72m'` all run `rm`, and a policy that saw anything
else would be fooled by a quoting trick.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, NamedTuple

from .astral import Source

if TYPE_CHECKING:
    from tree_sitter import Node

# Node types whose value is only known at run time.
EXPANSIONS = frozenset(
    {
        "simple_expansion",
        "expansion",
        "command_substitution",
        "process_substitution",
        "arithmetic_expansion",
        "brace_expression",
        "extglob_pattern",
    }
)
_QUOTED = "\0"  # mask character for a quoted or escaped character: never special
_EXTGLOB_OPENERS = ("+(", "@(", "!(")
_GLOB_OR_TILDE = re.compile(r"[*?\[{(~]")  # every character _is_pattern or _has_tilde can answer True for
_PLAIN = frozenset({"word", "number"})  # node types whose text is an unquoted word as written
# Named nodes whose text is unquoted shell text too: brace expansion and variable names in `export`.
_LITERAL_NAMED = frozenset({"brace_expression", "variable_name"})
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}


class Word(NamedTuple):
    """One shell word after quote removal. `splits`: it may become zero or several argv entries.

    Immutable; a NamedTuple rather than a frozen dataclass because a string builds thousands of them."""

    value: str
    dynamic: bool = False
    splits: bool = False
    start: int = -1
    end: int = -1
    # What brace expansion makes of the word, when it has an unquoted `{a,b}` or `{1..3}`: the words bash
    # passes instead of this one (each judged on its own). (OPAQUE,) when it expands to too many words.
    braces: tuple[Word, ...] = ()


class _Piece(NamedTuple):
    value: str
    mask: str  # same length as value: the character where it is unquoted, _QUOTED where it is not
    dynamic: bool
    splits: bool


def text_of(node: Node, src: bytes) -> str:
    value = src[node.start_byte : node.end_byte].decode("utf-8", "surrogateescape")  # text_between, inlined
    if isinstance(src, Source) and src.table:
        return value.translate(src.table)
    return value


def text_between(src: bytes, start: int, end: int) -> str:
    """Decode a slice of the parsed bytes, turning astral placeholders back (see astral.py)."""
    value = src[start:end].decode("utf-8", "surrogateescape")
    if isinstance(src, Source) and src.table:  # Source.text, inlined: this runs for every word
        return value.translate(src.table)
    return value


def word_of(node: Node, src: bytes) -> Word:
    """The word a syntax node stands for (a command name, an argument, a redirect target...)."""
    if node.type in _PLAIN:
        text = text_of(node, src)
        if "\\" not in text:
            # The common case, what _assemble makes of the one piece _unquoted(text) gives, without them.
            expands = "$" in text or "`" in text
            if _GLOB_OR_TILDE.search(text) is None:  # neither a pattern nor a tilde can be in it
                return Word(text, expands, expands, node.start_byte, node.end_byte)
            pattern = _is_pattern(text, text)
            braces = _brace_words(text, text, expands, expands) if pattern and "{" in text else ()
            return Word(text, pattern or _has_tilde(text) or expands, pattern or expands, node.start_byte,
                        node.end_byte, braces)
    pieces: list[_Piece] = []
    _collect(node, src, pieces)
    return _assemble(pieces, node.start_byte, node.end_byte)


def word_of_nodes(nodes: list[Node], src: bytes) -> Word:
    """One word from syntax nodes that touch (`P"A"TH=.`, `PA{TH,}=.`), read with quoting intact."""
    if len(nodes) == 1:
        return word_of(nodes[0], src)
    pieces: list[_Piece] = []
    for node in nodes:
        _collect(node, src, pieces)
    return _assemble(pieces, nodes[0].start_byte, nodes[-1].end_byte)


def merge(words: list[Word]) -> Word:
    """Glue touching words into one: tree-sitter sometimes splits what bash reads as a single word.

    A part with brace expansion makes the glued word's expansion unknown here (OPAQUE): the parts' masks
    are gone, and guessing would let `P"A"{TH,}=.` through."""
    if len(words) == 1:
        return words[0]
    return Word(
        "".join(w.value for w in words),
        any(w.dynamic for w in words),
        any(w.splits for w in words),
        words[0].start,
        words[-1].end,
        (OPAQUE,) if any(w.braces for w in words) else (),
    )


def expand_braces(words: list[Word]) -> tuple[list[Word], bool]:
    """The words after brace expansion, and whether some word's expansion is not known (OPAQUE)."""
    if not any(w.braces for w in words):
        return words, False
    out: list[Word] = []
    opaque = False
    for word in words:
        if not word.braces:
            out.append(word)
        elif word.braces[0] is OPAQUE:
            opaque = True
            out.append(word)
        else:
            out.extend(word.braces)
    return out, opaque


def _assemble(pieces: list[_Piece], start: int, end: int) -> Word:
    if len(pieces) == 1:  # the common case: one plain word, no joining
        value, mask, dynamic, splits = pieces[0]
    else:
        value = "".join([p.value for p in pieces])
        mask = "".join([p.mask for p in pieces])
        dynamic = splits = False
        for piece in pieces:
            dynamic = dynamic or piece.dynamic
            splits = splits or piece.splits
    pattern = _is_pattern(value, mask)
    braces = _brace_words(value, mask, dynamic, splits) if pattern and "{" in mask else ()
    dynamic = pattern or _has_tilde(mask) or dynamic
    return Word(value, dynamic, pattern or splits, start, end, braces)


# Brace expansion (bash's braces.c): the most words one word may become before it is judged opaque.
MAX_BRACE_WORDS = 256
OPAQUE = Word("{...}", True, True)
BRACE_PROBLEM = f"brace expansion into more than {MAX_BRACE_WORDS} words is not followed"
_SEQUENCE = re.compile(r"^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.(-?\d+))?$")


def _brace_words(value: str, mask: str, dynamic: bool, splits: bool) -> tuple[Word, ...]:
    """The words `value` brace-expands to (each with its own glob and tilde reading), or (OPAQUE,)."""
    expanded = _expand(value, mask, 0)
    if expanded is None:
        return (OPAQUE,)
    if len(expanded) == 1 and expanded[0][0] == value:
        return ()  # braces that do not expand (`{}`, `{a}`, `x{`): the word is itself
    words = []
    for part, part_mask in expanded:
        if not part and _QUOTED not in part_mask:
            continue  # an unquoted empty result is removed, as bash removes null words
        pattern = _is_pattern(part, part_mask)
        words.append(Word(part, pattern or _has_tilde(part_mask) or dynamic, pattern or splits))
    return tuple(words)


def _expand(value: str, mask: str, depth: int) -> list[tuple[str, str]] | None:
    """Brace-expand (value, mask); None when the result would be too large or too deep."""
    if depth > 20:
        return None
    start = 0
    while True:
        opening = mask.find("{", start)
        if opening < 0:
            return [(value, mask)]
        if opening > 0 and mask[opening - 1] == "$":  # `${...}` is a parameter expansion
            start = opening + 1
            continue
        level = 0
        commas: list[int] = []
        close = -1
        for j in range(opening, len(mask)):
            char = mask[j]
            if char == "{" and not (j > 0 and mask[j - 1] == "$"):
                level += 1
            elif char == "}":
                level -= 1
                if level == 0:
                    close = j
                    break
            elif char == "," and level == 1:
                commas.append(j)
        if close < 0:
            start = opening + 1  # an unmatched `{` is literal; a later one may still expand
            continue
        alternatives: list[tuple[str, str]] = []
        if commas:
            bounds = [opening, *commas, close]
            alternatives = [(value[a + 1 : b], mask[a + 1 : b]) for a, b in itertools.pairwise(bounds)]
        else:
            inner = mask[opening + 1 : close]
            sequence = _sequence(inner) if _QUOTED not in inner else None
            if sequence is None:
                start = opening + 1
                continue
            if not sequence:
                return None
            alternatives = [(item, item) for item in sequence]
        tails = _expand(value[close + 1 :], mask[close + 1 :], depth + 1)
        if tails is None:
            return None
        head, head_mask = value[:opening], mask[:opening]
        results: list[tuple[str, str]] = []
        for alt, alt_mask in alternatives:
            inner_words = _expand(alt, alt_mask, depth + 1)
            if inner_words is None:
                return None
            for middle, middle_mask in inner_words:
                for tail, tail_mask in tails:
                    results.append((head + middle + tail, head_mask + middle_mask + tail_mask))
                    if len(results) > MAX_BRACE_WORDS:
                        return None
        return results


def _sequence(text: str) -> list[str] | None:
    """`1..5`, `a..e`, `10..1..3`, `01..10`: the items, [] when not followed (too many, or letters that
    run through punctuation), None when not a sequence."""
    match = _SEQUENCE.match(text)
    if match is None:
        return None
    first, last, step_text = match.groups()
    step = abs(int(step_text)) if step_text else 1
    step = step or 1
    if first.lstrip("-").isdigit() != last.lstrip("-").isdigit():
        return None
    if first.lstrip("-").isdigit():
        a, b = int(first), int(last)
        if abs(b - a) // step + 1 > MAX_BRACE_WORDS:
            return []
        padded = any(len(n.lstrip("-")) > 1 and n.lstrip("-").startswith("0") for n in (first, last))
        width = max(len(first), len(last)) if padded else 0
        numbers = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        return [str(n).zfill(width) if width else str(n) for n in numbers]
    a, b = ord(first), ord(last)
    chars = [chr(c) for c in (range(a, b + 1, step) if a <= b else range(a, b - 1, -step))]
    if not all(c.isalnum() for c in chars):
        # `{Z..a}` makes `[ \ ] ^ _` and a backquote, which bash then reads as shell syntax (an unclosed
        # command substitution, an escape): not followed.
        return []
    return chars


def _is_pattern(value: str, mask: str) -> bool:
    """Globs and brace expansion: the word becomes whatever the file system or the braces make of it."""
    if "*" in mask or "?" in mask or ("(" in mask and any(o in mask for o in _EXTGLOB_OPENERS)):
        return True
    bracket = mask.find("[")
    if bracket >= 0 and "]" in value[bracket + 1 :]:
        return True
    brace = mask.find("{")
    while brace >= 0:
        close = mask.find("}", brace + 1)
        if close < 0:
            return False
        inner = value[brace + 1 : close]
        if "," in inner or ".." in inner:
            return True
        brace = mask.find("{", brace + 1)
    return False


def _has_tilde(mask: str) -> bool:
    # `~` expands at the start of a word and, in bash (not POSIX mode), after `=` or `:` in any word that
    # looks like an assignment, even an argument: `echo a=~/x` prints the home directory.
    return "~" in mask and (mask.startswith("~") or "=~" in mask or ":~" in mask)


def _collect(node: Node, src: bytes, out: list[_Piece]) -> None:
    kind = node.type
    if kind == "string":
        out.extend(_double_quoted(node, src))
        return
    if kind in ("concatenation", "variable_assignment"):  # the latter: a declaration builtin's NAME=value
        position = node.start_byte
        for child in node.children:
            if child.start_byte > position:
                out.append(_unquoted(text_between(src, position, child.start_byte)))
            _collect(child, src, out)
            position = child.end_byte
        return
    text = text_of(node, src)
    if kind in _PLAIN or not node.is_named or kind in _LITERAL_NAMED:
        out.append(_unquoted(text))
    elif kind == "raw_string":
        out.append(_quoted(text[1:-1]))
    elif kind == "ansi_c_string":
        out.append(_quoted(decode_ansi_c(text[2:-1])))
    elif kind == "translated_string":
        # $"..." is looked up in a message catalogue chosen by TEXTDOMAIN: any text at all.
        out.append(_Piece(text, _QUOTED * len(text), True, False))
    else:
        # Expansions, substitutions and anything this module does not know: assume the worst.
        out.append(_Piece(text, _QUOTED * len(text), True, True))


def _quoted(value: str) -> _Piece:
    return _Piece(value, _QUOTED * len(value), False, False)


def _unquoted(text: str) -> _Piece:
    if "\\" not in text:  # nothing escaped: every character is itself and unquoted
        dynamic = "$" in text or "`" in text
        return _Piece(text, text, dynamic, dynamic)
    value: list[str] = []
    mask: list[str] = []
    dynamic = False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            if text[i + 1] != "\n":  # backslash-newline is a line continuation: both vanish
                value.append(text[i + 1])
                mask.append(_QUOTED)
            i += 2
            continue
        # A `$` or backquote that tree-sitter left inside a plain word may still expand in bash.
        dynamic = dynamic or char in "$`"
        value.append(char)
        mask.append(char)
        i += 1
    return _Piece("".join(value), "".join(mask), dynamic, dynamic)


def _double_quoted(node: Node, src: bytes) -> list[_Piece]:
    pieces: list[_Piece] = []
    position = node.start_byte + 1
    end = node.end_byte - 1 if node.child_count > 1 and node.children[-1].type == '"' else node.end_byte
    for child in node.named_children:
        if child.type == "string_content":
            continue
        pieces.append(_dq_literal(text_between(src, position, child.start_byte)))
        text = text_of(child, src)
        # "$@" and "${a[@]}" expand to one word per element even inside double quotes.
        pieces.append(_Piece(text, _QUOTED * len(text), True, "@" in text))
        position = child.end_byte
    pieces.append(_dq_literal(text_between(src, position, end)))
    return pieces


def _dq_literal(text: str) -> _Piece:
    if "\\" not in text:
        return _Piece(text, _QUOTED * len(text), "$" in text or "`" in text, False)
    value, dynamic = unescape_live(text, '$`"\\\n')
    return _Piece(value, _QUOTED * len(value), dynamic, False)


def unescape_live(text: str, escapable: str) -> tuple[str, bool]:
    """Text where expansions stay live (inside double quotes, an unquoted heredoc body): a backslash
    escapes only the characters in `escapable` (backslash-newline joins lines); and whether an
    unescaped `$` or backquote remains."""
    out: list[str] = []
    dynamic = False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in escapable:
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        dynamic = dynamic or char in "$`"
        out.append(char)
        i += 1
    return "".join(out), dynamic


def decode_ansi_c(body: str) -> str:
    """Decode the inside of $'...' the way bash does, including its truncation at a NUL byte."""
    out = bytearray()
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\" or i + 1 >= len(body):
            out += char.encode("utf-8", "surrogateescape")
            i += 1
            continue
        decoded, i = _ansi_c_escape(body, i + 1)
        out += decoded
    value = bytes(out).split(b"\0", 1)[0]  # bash ends the string at the first NUL
    return value.decode("utf-8", "surrogateescape")


def _ansi_c_escape(body: str, i: int) -> tuple[bytes, int]:
    """Decode the escape whose letter is at body[i]; returns the bytes and the index after it.

    Unknown escapes are kept as written, backslash included, as bash does.
    """
    letter = body[i]
    if letter in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[letter].encode(), i + 1
    if letter in "01234567":
        digits = _run(body, i, "01234567", 3)
        return bytes([int(digits, 8) & 0xFF]), i + len(digits)
    if letter in "xuU":
        width = {"x": 2, "u": 4, "U": 8}[letter]
        digits = _run(body, i + 1, "0123456789abcdefABCDEF", width)
        if not digits:
            return b"\\" + letter.encode(), i + 1
        number = int(digits, 16)
        if letter == "x":
            return bytes([number]), i + 1 + len(digits)
        char = chr(number) if number < 0x110000 else "\ufffd"
        return char.encode("utf-8", "surrogatepass"), i + 1 + len(digits)
    if letter == "c" and i + 1 < len(body):
        return bytes([ord(body[i + 1].upper()) & 0x1F]), i + 2
    return b"\\" + letter.encode("utf-8", "surrogateescape"), i + 1


def _run(text: str, start: int, allowed: str, limit: int) -> str:
    end = start
    while end < len(text) and end - start < limit and text[end] in allowed:
        end += 1
    return text[start:end]


def unescape_backquoted(body: str) -> str:
    """The command text bash re-parses from inside backquotes: only \\\\, \\` and \\$ lose the backslash."""
    out: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body) and body[i + 1] in "\\`$":
            out.append(body[i + 1])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)
