"""Tool names as the model is given them: providers' APIs (OpenAI, Anthropic) accept only
`[A-Za-z0-9_-]{1,64}`, so a dotted name (an MCP tool, `mcp.fs.read_file`) is offered under an alias the
runner maps back."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from vtcode.agent.specs import wire_name

NAME = st.from_regex(r"[a-z][a-z0-9_-]{0,10}\.[A-Za-z0-9_.-]{1,120}", fullmatch=True)


def test_plain_names_are_unchanged() -> None:
    for name in ("read_file", "run_command", "search_files", "a-b"):
        assert wire_name(name) == name


def test_dotted_names_become_double_underscores() -> None:
    assert wire_name("mcp.fs.read_text_file") == "mcp__fs__read_text_file"


@given(NAME)
def test_every_alias_is_acceptable_to_the_apis(name: str) -> None:
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", wire_name(name))


@given(NAME, NAME)
def test_long_names_stay_distinct(a: str, b: str) -> None:
    if a != b and (len(wire_name(a)) == 64 or len(wire_name(b)) == 64):
        assert wire_name(a) != wire_name(b)
