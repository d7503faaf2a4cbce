"""The two entry points: a shell string, or an argv that no shell will see."""

from __future__ import annotations

from collections.abc import Sequence

from .astral import Source, hide
from .context import MAX_PARSED_BYTES, MAX_SOURCE_BYTES, Collector, Context, brief
from .extract import Walker
from .grammar import parse_bytes
from .model import ParseResult
from .resolve import run_command
from .source import (
    blank_inside_word,
    drop_keyword_prefixes,
    encode,
    first_error,
    join_continuations,
    quote_escaped_blanks,
    separate_lines,
    stray_case_terminator,
    unaccounted_substitution,
)
from .words import Word, text_of


def parse_shell(source: str) -> ParseResult:
    """Every simple command `bash -c source` would run, and the reasons it cannot be fully known."""
    out = Collector()
    parse_into(source, Context(), out)
    return out.result()


def parse_argv(argv: Sequence[str]) -> ParseResult:
    """The commands an exec of `argv` runs: no shell syntax, but wrappers and `bash -c` bodies still count."""
    out = Collector()
    if not argv:
        out.problem("empty argv")
    elif any("\0" in arg for arg in argv):
        out.problem("an argument contains a NUL byte")
    elif sum(len(arg) for arg in argv) > MAX_SOURCE_BYTES:
        out.problem(f"longer than {MAX_SOURCE_BYTES} bytes")
    else:
        # Without a shell nothing expands: `*` and `$HOME` are literal characters here.
        run_command([Word(arg) for arg in argv], (), Context(), out, parse_into)
    return out.result()


def parse_into(source: str, ctx: Context, out: Collector) -> None:
    """Parse `source` (the whole string, or a body found inside it) into `out`."""
    data = _admit(source, out)
    if data is None:
        return
    tree = parse_bytes(data)
    # Rewrites that keep the meaning for bash and fix how the grammar reads the text; see source.py.
    for rewrite, needles in _REWRITES:
        for needle in needles:
            if data.find(needle) >= 0:
                fixed = rewrite(data, tree.root_node)
                if fixed is not None:
                    data = Source(fixed, data.table)
                    tree = parse_bytes(data)
                break
    root = tree.root_node
    walker = Walker(data, out, parse_into)
    walker.walk(root, ctx, ctx.depth)
    if data.find(b";;") >= 0 or data.find(b";&") >= 0:
        stray = stray_case_terminator(root)
        if stray is not None:
            out.problem(f"syntax error at byte {stray}: a case terminator outside a case (bash refuses it)")
    if root.has_error:
        error = first_error(root)
        where = error.start_byte if error is not None else 0
        near = text_of(error, data) if error is not None and not error.is_missing else ""
        out.problem(f"syntax error at byte {where}" + (f" near {brief(near)}" if near else ""))
    opener = unaccounted_substitution(data, root, walker.openers)
    if opener is not None:
        out.problem(f"substitution at byte {opener} is not understood by the parser")
    blank = blank_inside_word(data, root)
    if blank is not None:
        out.problem(f"word boundary at byte {blank} is not understood by the parser")


_REWRITES = (
    (join_continuations, (b"\\\n",)),
    (separate_lines, (b"\n",)),
    (drop_keyword_prefixes, (b"!", b"time")),
    (quote_escaped_blanks, (b"\\ ", b"\\\t")),
)


def _admit(source: str, out: Collector) -> Source | None:
    """The bytes the grammar may safely read, or None (with a problem) when it must not read them."""
    hidden = hide(source)
    if hidden is None:
        out.problem("too many distinct characters outside the Basic Multilingual Plane")
        return None
    data, problems = encode(hidden[0])
    for problem in problems:
        out.problem(problem)
    if len(data) > MAX_SOURCE_BYTES:
        out.problem(f"longer than {MAX_SOURCE_BYTES} bytes")
        return None
    out.parsed_bytes += len(data)
    if out.parsed_bytes > MAX_PARSED_BYTES:
        out.problem(f"nested bodies add up to more than {MAX_PARSED_BYTES} bytes")
        return None
    return Source(data, hidden[1])
