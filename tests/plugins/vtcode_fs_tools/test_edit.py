"""edit_file through the real plugin and jail: exact-match replacement, counted; a diff in the result;
nothing changed when the match is not what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.tool_calls import Call

from vtcode.errors import PathDenied
from vtcode.tools.arguments import ArgumentError

SOURCE = "def f(x):\n    return x + 1\n\n\ndef g(x):\n    return x + 1\n"


@pytest.fixture
def module(workspace: Path) -> Path:
    path = workspace / "mod.py"
    path.write_text(SOURCE)
    return path


def test_replaces_one_exact_match_and_returns_a_diff(call: Call, module: Path) -> None:
    old, new = "def g(x):\n    return x + 1", "def g(x):\n    return x * 2"
    result = call("edit_file", path="mod.py", old=old, new=new)
    assert result.ok and result.data == {"replacements": 1}
    assert module.read_text() == SOURCE.replace(old, new)
    assert result.output.startswith("--- a/mod.py\n+++ b/mod.py\n@@")
    assert "-    return x + 1\n+    return x * 2\n" in result.output


def test_no_match_is_an_error_and_nothing_changes(call: Call, module: Path) -> None:
    result = call("edit_file", path="mod.py", old="return x - 1", new="return 0")
    assert not result.ok
    assert result.output == "mod.py: `old` occurs 0 times, expected 1; nothing changed"
    assert module.read_text() == SOURCE


def test_whitespace_is_part_of_the_match(call: Call, module: Path) -> None:
    result = call("edit_file", path="mod.py", old="return  x + 1", new="return 0")
    assert not result.ok and module.read_text() == SOURCE


def test_several_matches_need_the_expected_count(call: Call, module: Path) -> None:
    result = call("edit_file", path="mod.py", old="return x + 1", new="return x")
    assert not result.ok and "occurs 2 times, expected 1" in result.output
    assert module.read_text() == SOURCE
    result = call("edit_file", path="mod.py", old="return x + 1", new="return x", expected_replacements=3)
    assert not result.ok and "occurs 2 times, expected 3" in result.output
    result = call("edit_file", path="mod.py", old="return x + 1", new="return x", expected_replacements=2)
    assert result.ok and result.data == {"replacements": 2}
    assert module.read_text() == SOURCE.replace("x + 1", "x")
    assert result.output.count("-    return x + 1") == 2


def test_a_missing_file_is_not_created(call: Call, workspace: Path) -> None:
    result = call("edit_file", path="nope.py", old="a", new="b")
    assert not result.ok and "no such file (use write_file to create it)" in result.output
    assert not (workspace / "nope.py").exists()


def test_empty_old_text_is_refused(call: Call, module: Path) -> None:
    with pytest.raises(ArgumentError, match="old"):
        call("edit_file", path="mod.py", old="", new="x")
    with pytest.raises(ArgumentError, match="expected_replacements"):
        call("edit_file", path="mod.py", old="x", new="y", expected_replacements=0)


def test_line_endings_and_the_rest_of_the_file_are_kept(call: Call, workspace: Path) -> None:
    path = workspace / "win.txt"
    path.write_bytes(b"one\r\ntwo\r\nthree")
    assert call("edit_file", path="win.txt", old="two", new="2").ok
    assert path.read_bytes() == b"one\r\n2\r\nthree"


def test_a_binary_file_is_not_corrupted(call: Call, workspace: Path) -> None:
    path = workspace / "blob.bin"
    data = b"\xff\xfe header \x00 body"
    path.write_bytes(data)
    with pytest.raises(UnicodeDecodeError):
        call("edit_file", path="blob.bin", old="header", new="HEADER")
    assert path.read_bytes() == data


@pytest.mark.parametrize("path", [".git/config", "vtcode.toml", "../mod.py", "link/mod.py"])
def test_protected_and_outside_files_are_not_edited(
    call: Call, workspace: Path, tmp_path: Path, path: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "mod.py").write_text(SOURCE)
    (tmp_path / "mod.py").write_text(SOURCE)
    (workspace / "link").symlink_to(outside)
    (workspace / ".git").mkdir()
    (workspace / ".git" / "config").write_text(SOURCE)  # readable, so the edit gets as far as the write
    (workspace / "vtcode.toml").write_text(SOURCE)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()}
    with pytest.raises(PathDenied):
        call("edit_file", path=path, old="return x + 1", new="evil", expected_replacements=2)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()}
    assert after == before
