"""The markdown session store: every session round-trips exactly, whatever its messages contain; writes are
atomic; a corrupted file is a one-line error and is never overwritten."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vtcode_hookspecs import ChatMessage, SessionRecord, ToolCall
from vtcode_markdown_store.markdown import SessionFormatError, parse, render
from vtcode_markdown_store.store import MarkdownStore

NASTY = [
    "```",
    "~~~",
    "~~~~text",
    "~~~text",
    "---",
    "--- ",
    "## user",
    "## assistant",
    "# Session x",
    "<!-- vtcode: {} -->",
    '<!-- vtcode: {"tool_calls": []} -->',
    "-->",
    'id: "evil"',
    "\r",
    "\r\n",
    "\u2028",
    "\x00",
    "\t",
    "🙂",
    "漢字",
    "",
    "\n",
    "\n\n",
    " ",
    "\\",
    '"',
    "'",
]
text = (
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=40)), max_size=12).map("\n".join) | st.text()
)
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
meta = st.dictionaries(
    st.text(max_size=10), st.one_of(json_leaf, st.lists(json_leaf, max_size=3)), max_size=4
)


@st.composite
def messages(draw: st.DrawFn) -> ChatMessage:
    role = draw(st.sampled_from(["system", "user", "assistant", "tool"]))
    calls = []
    if role == "assistant":
        calls = draw(
            st.lists(
                st.builds(ToolCall, id=st.text(max_size=10), name=st.text(max_size=10), arguments=text),
                max_size=3,
            )
        )
    return ChatMessage(
        role=role,
        content=draw(text),
        tool_calls=calls,
        tool_call_id=draw(st.none() | st.text(max_size=12)) if role == "tool" else None,
    )


@st.composite
def sessions(draw: st.DrawFn) -> SessionRecord:
    created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(microseconds=draw(st.integers(0, 10**13)))
    return SessionRecord(
        id=draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}", fullmatch=True)),  # the store's id form
        workspace=draw(text),
        model=draw(text),
        provider=draw(st.text(max_size=20)),
        created=created,
        updated=created + timedelta(seconds=draw(st.integers(0, 10**6))),
        messages=draw(st.lists(messages(), max_size=8)),
        meta=draw(meta),
    )


@settings(max_examples=300, deadline=None)
@given(sessions())
def test_render_parse_round_trips_exactly(session: SessionRecord) -> None:
    assert parse(render(session), "s.md") == session


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sessions())
def test_store_round_trips_through_the_file(tmp_path: Path, session: SessionRecord) -> None:
    store = MarkdownStore(tmp_path / "sessions")
    store.save(session)
    assert store.load(session.id) == session


def _session(content: str = "hello") -> SessionRecord:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    return SessionRecord(
        id="s1",
        workspace="/ws",
        model="m",
        provider="p",
        created=now,
        updated=now,
        messages=[ChatMessage(role="user", content=content)],
    )


def test_file_is_readable_markdown_with_front_matter(tmp_path: Path) -> None:
    store = MarkdownStore(tmp_path)
    store.save(_session("fix the ```bug```"))
    written = (tmp_path / "s1.md").read_text()
    assert written.startswith('---\nid: "s1"\nworkspace: "/ws"\n')
    assert "# Session s1" in written and "## user" in written and "fix the ```bug```" in written
    assert oct((tmp_path / "s1.md").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda t: t.replace("---\n", "", 1), "no front matter"),
        (lambda t: t.replace('id: "s1"', "id: s1"), "bad JSON value"),
        (lambda t: t.replace("~~~text", "~~text"), "malformed"),
        (lambda t: t.rsplit("~~~", 1)[0], "unclosed message"),
        (lambda t: t.replace('"/ws"', "42"), "workspace"),
        (lambda t: t.replace("hello", "hel\udcfflo"), "not UTF-8"),
    ],
)
def test_corrupted_file_is_a_one_line_error_and_never_overwritten(
    tmp_path: Path, damage: object, named: str
) -> None:
    store = MarkdownStore(tmp_path)
    store.save(_session())
    file = tmp_path / "s1.md"
    broken = damage(file.read_text())  # type: ignore[operator]
    file.write_bytes(broken.encode("utf-8", errors="surrogateescape"))
    with pytest.raises(SessionFormatError) as caught:
        store.load("s1")
    assert named in str(caught.value) and "\n" not in str(caught.value) and str(file) in str(caught.value)
    with pytest.raises(SessionFormatError):
        store.save(_session("new content"))
    assert file.read_bytes() == broken.encode("utf-8", errors="surrogateescape")
    assert [s.id for s in store.list()] == []  # listed sessions are only readable ones


def test_write_is_atomic_no_partial_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = MarkdownStore(tmp_path)
    store.save(_session("first"))

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        store.save(_session("second"))
    assert store.load("s1").messages[0].content == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s1.md"]


def test_missing_session_is_a_key_error_naming_the_dir(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="no session 'nope'"):
        MarkdownStore(tmp_path).load("nope")
