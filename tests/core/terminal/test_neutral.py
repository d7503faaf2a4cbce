"""The neutraliser: no character a terminal could act on, or that hides text, survives it; what is
ordinary text passes unchanged; the JSON form is still the same JSON."""

from __future__ import annotations

import json
import unicodedata

import regex
from hypothesis import given
from hypothesis import strategies as st

from vtcode.terminal import neutral, neutral_block, neutral_json_line, neutralised_count

# Characters a terminal acts on or that hide or reorder text, by family.
HOSTILE = [
    "\x1b[2K", "\x1b[1A", "\r", "\x08", "\x07", "\x00", "\x7f",  # C0, CSI, CR, BS, BEL, DEL
    "\x9b2K", "\x9d0;title\x9c", "\x90q\x9c",  # C1: CSI, OSC, DCS, ST as single code points
    "\x1b]52;c;cm0gLXJmIH4=\x07", "\x1b]0;title\x07", "\x1bP+q\x1b\\", "\x1b[8m",  # OSC 52, OSC 0, DCS, hide
    "\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c",  # bidi
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e",  # zero-width
    "\u2028", "\u2029", "\u00a0", "\u3000",  # separators
    "\u3164", "\u115f", "\u034f", "\U000e0041",  # blank letters, tags
    "\ufe0f", "\ufe00", "\U000e0100", "\U000e01ef", "\u180b", "\u180d", "\u180f",  # variation selectors
    "\u17b4", "\u17b5", "\u2800", "\u00ad", "\U0001d173",  # Khmer vowels, braille blank, soft hyphen
]
SAFE_EXTRA = set("\n")  # neutral_block keeps line breaks


# The oracle is Unicode's own property, read through another library (regex), not the table vtcode ships.
_IGNORABLE = regex.compile(r"[\p{Default_Ignorable_Code_Point}\u2800]")


def _acts_on_a_terminal(ch: str) -> bool:
    return (not ch.isprintable()) or _IGNORABLE.match(ch) is not None


@given(st.text())
def test_nothing_a_terminal_acts_on_survives(text: str) -> None:
    out = neutral(text)
    assert not any(_acts_on_a_terminal(ch) for ch in out)
    block = neutral_block(text)
    assert not any(_acts_on_a_terminal(ch) for ch in block if ch not in SAFE_EXTRA)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"))))
def test_printable_text_passes_unchanged(text: str) -> None:
    text = _IGNORABLE.sub("", text)
    assert neutral(text) == text and neutral_block(text) == text and neutralised_count(text) == 0


def test_every_hostile_family_is_shown_as_a_visible_escape() -> None:
    for sample in HOSTILE:
        out = neutral("before" + sample + "after")
        assert out.startswith("before") and out.endswith("after")
        assert "\\" in out, (sample, out)
        assert neutralised_count(sample) >= 1, sample
    assert neutral("a\x1b[2K\rb") == "a\\x1b[2K\\rb"
    assert neutral("\u202etxt.exe") == "\\u202etxt.exe"
    assert neutral("\U000e0041") == "\\U000e0041"


def test_a_block_keeps_lines_and_tabs_but_not_a_lone_carriage_return() -> None:
    assert neutral_block("a\r\nb\n\tc") == "a\nb\n    c"
    assert neutral_block("progress 10%\rprogress 100%") == "progress 10%\\rprogress 100%"


@given(st.recursive(st.text() | st.integers() | st.none(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                    max_leaves=10))
def test_the_json_form_is_the_same_json_and_inert(value: object) -> None:
    line = neutral_json_line(json.dumps(value, ensure_ascii=False))
    assert json.loads(line) == value
    assert not any(_acts_on_a_terminal(ch) for ch in line)


def test_categories_named_by_the_rule_are_all_covered() -> None:
    # Every code point in C* and Z* (but the ASCII space) is escaped: checked over the whole BMP.
    for code in range(0x10000):
        ch = chr(code)
        if ch == " ":
            continue
        if unicodedata.category(ch)[0] in "CZ":
            assert neutral(ch) != ch, hex(code)


def test_every_default_ignorable_code_point_is_escaped() -> None:
    # Printable to Python, drawn as nothing: variation selectors (FE00-FE0F, E0100-E01EF), Mongolian FVS,
    # Khmer 17B4/17B5 and the rest of Unicode's Default_Ignorable_Code_Point, every one of them.
    hidden = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and _IGNORABLE.match(chr(c))]
    assert len(hidden) > 4000
    text = "a".join(hidden)
    out = neutral(text)
    assert not any(_acts_on_a_terminal(ch) for ch in out)
    assert neutralised_count(text) == len(hidden)


def test_the_shipped_table_is_unicodes_property() -> None:
    import importlib.util
    from pathlib import Path

    from vtcode.terminal._ignorable import DEFAULT_IGNORABLE

    script = Path(__file__).resolve().parents[3] / "scripts" / "gen_ignorable.py"
    spec = importlib.util.spec_from_file_location("gen_ignorable", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert tuple(module.ignorable_ranges()) == DEFAULT_IGNORABLE
