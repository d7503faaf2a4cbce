"""The markdown parser the TUI renders model text with. Model text is neutralised before markdown sees it,
but markdown makes characters of its own: `&#x202e;`, `&zwnj;`, `&rlm;`, `&ZeroWidthSpace;`, `&#8232;`
decode to bidi overrides and invisible characters, in text, link targets, titles and fence info alike.
So the rendered tokens are neutralised after parsing, as the last core rule: whatever markdown produced,
what reaches the screen holds nothing a terminal acts on and nothing invisible."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from vtcode.terminal import neutral, neutral_block


def _neutralise(tokens: list[Token]) -> None:
    for token in tokens:
        if token.content:
            token.content = neutral_block(token.content)
        if token.info:
            token.info = neutral(token.info)
        for name, value in list(token.attrs.items()):
            if isinstance(value, str):
                token.attrs[name] = neutral(value)
        if token.children:
            _neutralise(token.children)


def _neutral_rule(state: StateCore) -> None:
    _neutralise(state.tokens)


def neutral_markdown() -> MarkdownIt:
    """Textual's default parser ("gfm-like") with the neutralising rule run after every other."""
    parser = MarkdownIt("gfm-like")
    parser.core.ruler.push("vtcode_neutral", _neutral_rule)
    return parser
