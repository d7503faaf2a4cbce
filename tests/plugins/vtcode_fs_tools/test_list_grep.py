"""list_dir and grep through the real plugin and jail: listings are complete and stay in the workspace;
grep never follows a link out of it, skips binaries, caps its results and reports bad patterns in a line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers.tool_calls import Call
from vtcode_fs_tools.searching import GrepArgs

from vtcode.errors import PathDenied
from vtcode.providers.deadline import reading_until
from vtcode.tools.arguments import ArgumentError, parse_arguments


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    path = tmp_path / "outside"
    path.mkdir()
    (path / "secret.txt").write_text("TOKEN=hunter2\n")
    return path


@pytest.fixture
def tree(workspace: Path, outside: Path) -> Path:
    (workspace / "src" / "pkg").mkdir(parents=True)
    (workspace / "src" / "main.py").write_text("import pkg\nTOKEN = 'placeholder'\n")
    (workspace / "src" / "pkg" / "util.py").write_text("def token():\n    return 'TOKEN'\n")
    (workspace / ".env").write_text("TOKEN=local\n")
    (workspace / "README.md").write_text("# readme\n")
    (workspace / ".git").mkdir()
    (workspace / ".git" / "HEAD").write_text("TOKEN in git internals\n")
    (workspace / "escape").symlink_to(outside)  # a directory link out of the workspace
    (workspace / "secret-link.txt").symlink_to(outside / "secret.txt")  # a file link out of it
    (workspace / "inner-link").symlink_to("src")  # a link that stays inside
    (workspace / "image.bin").write_bytes(b"TOKEN\0\x01\x02")
    return workspace


def test_list_dir_shows_every_entry_with_directories_marked(call: Call, tree: Path) -> None:
    result = call("list_dir")
    assert result.ok
    assert result.output.splitlines() == [
        ".env", ".git/", "README.md", "escape", "image.bin", "inner-link", "secret-link.txt", "src/",
    ]
    assert result.data == {"count": 8}


def test_list_dir_of_a_subdirectory_and_of_a_link_inside(call: Call, tree: Path) -> None:
    assert call("list_dir", path="src").output.splitlines() == ["main.py", "pkg/"]
    assert call("list_dir", path="inner-link").output.splitlines() == ["main.py", "pkg/"]
    assert call("list_dir", path="src/pkg/..").output.splitlines() == ["main.py", "pkg/"]


def test_list_dir_of_an_empty_directory(call: Call, workspace: Path) -> None:
    (workspace / "empty").mkdir()
    result = call("list_dir", path="empty")
    assert result.ok and result.output == "" and result.data == {"count": 0}


@pytest.mark.parametrize("path", ["escape", "..", "/", "/etc", "escape/../..", "~"])
def test_list_dir_stays_in_the_workspace(call: Call, tree: Path, path: str) -> None:
    with pytest.raises(PathDenied):
        call("list_dir", path=path)


def test_list_dir_of_a_file_fails(call: Call, tree: Path) -> None:
    with pytest.raises(NotADirectoryError):
        call("list_dir", path="README.md")


def test_grep_finds_matches_with_paths_and_line_numbers(call: Call, tree: Path) -> None:
    result = call("grep", pattern="TOKEN")
    assert result.ok
    assert result.output.splitlines() == [
        ".env:1: TOKEN=local",
        "src/main.py:2: TOKEN = 'placeholder'",
        "src/pkg/util.py:2:     return 'TOKEN'",
    ]
    # .git is skipped, the binary file is skipped, and the link out of the workspace is refused, not read
    assert result.data == {"results": 3, "truncated": False, "skipped": 2}


def test_grep_never_follows_a_link_out_of_the_workspace(call: Call, tree: Path) -> None:
    result = call("grep", pattern="hunter2")
    assert result.ok and result.output == "no matches"
    assert "hunter2" not in call("grep", pattern="TOKEN=").output
    with pytest.raises(PathDenied):
        call("grep", pattern="hunter2", path="escape")
    with pytest.raises(PathDenied):
        call("grep", pattern="hunter2", path="secret-link.txt")


def test_grep_options(call: Call, tree: Path) -> None:
    assert call("grep", pattern="token", glob="*.py").output == "src/pkg/util.py:1: def token():"
    assert len(call("grep", pattern="token", ignore_case=True, glob="*.py").output.splitlines()) == 3
    assert call("grep", pattern="^import", path="src/main.py").output == "src/main.py:1: import pkg"
    assert call("grep", pattern="TOKEN", path="src/pkg").output == "src/pkg/util.py:2:     return 'TOKEN'"


def test_grep_max_results(call: Call, workspace: Path) -> None:
    (workspace / "many.txt").write_text("hit\n" * 10)
    capped = call("grep", pattern="hit", max_results=3)
    assert capped.output.splitlines() == ["many.txt:1: hit", "many.txt:2: hit", "many.txt:3: hit",
                                          "[more results not shown]"]
    assert capped.data["results"] == 3 and capped.data["truncated"] is True
    exact = call("grep", pattern="hit", max_results=10)  # exactly as many as there are: nothing hidden
    assert exact.data == {"results": 10, "truncated": False, "skipped": 0}
    assert "more results" not in exact.output
    with pytest.raises(ArgumentError, match="max_results"):
        call("grep", pattern="hit", max_results=0)


def test_grep_cuts_very_long_lines(call: Call, workspace: Path) -> None:
    (workspace / "long.txt").write_text("x" * 1000 + "needle\n")
    assert call("grep", pattern="needle").output == "long.txt:1: " + "x" * 300


@pytest.mark.parametrize("pattern", ["(unclosed", "[a-", "*lead", "a{2,1}", "(?P<n>x)(?P<n>y)"])
def test_a_bad_regular_expression_is_one_line_naming_the_argument(call: Call, pattern: str) -> None:
    with pytest.raises(ArgumentError) as raised:
        call("grep", pattern=pattern)
    message = str(raised.value)
    assert message.startswith("pattern: ") and "not a valid regular expression" in message
    assert "\n" not in message
    with pytest.raises(ArgumentError):
        parse_arguments(GrepArgs, '{"pattern": ""}')


def test_a_catastrophic_pattern_is_stopped_within_the_runs_wall_time(call: Call, workspace: Path) -> None:
    """`^(a|aa)+$` over forty `a`s and a `!` runs for minutes in `re` (the third review kept `exec` busy
    past `max_wall_time_s = 5` this way); here it ends with what is left of the wall time, saying why."""
    (workspace / "data.txt").write_text(("a" * 40 + "!\n") * 3)
    started = time.monotonic()
    with reading_until(time.monotonic() + 1.0):  # what the agent sets around a tool call
        result = call("grep", pattern="^(a|aa)+$", path="data.txt")
    took = time.monotonic() - started
    assert not result.ok and result.data.get("timed_out") is True
    assert "ran past its time" in result.output and "data.txt:1" in result.output
    assert took < 15, took  # minutes in `re`; seconds here (regex checks its timeout every so often)


def test_grep_has_a_budget_of_its_own_without_a_wall_time(call: Call, workspace: Path) -> None:
    from vtcode_fs_tools import searching

    (workspace / "data.txt").write_text("a" * 40 + "!\n")
    saved, searching.TIME_BUDGET_S = searching.TIME_BUDGET_S, 0.5
    try:
        result = call("grep", pattern="^(a|aa)+$", path="data.txt")
    finally:
        searching.TIME_BUDGET_S = saved
    assert not result.ok and result.data.get("timed_out") is True
