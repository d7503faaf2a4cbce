"""read_file through the real plugin (loaded through the gate) and the real jail: ranges, the size cap,
binary files, and nothing outside the workspace."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.tool_calls import Call
from vtcode_fs_tools.reading import MAX_READ_BYTES

from vtcode.errors import PathDenied
from vtcode.tools.arguments import ArgumentError


@pytest.fixture
def lines(workspace: Path) -> Path:
    path = workspace / "ten.txt"
    path.write_text("".join(f"line {n}\n" for n in range(1, 11)))
    return path


def test_reads_a_whole_file(call: Call, lines: Path) -> None:
    result = call("read_file", path="ten.txt")
    assert result.ok and result.output == lines.read_text()
    assert result.data == {"lines": 10, "total_lines": 10} and result.truncated_bytes == 0


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [(3, 2, "line 3\nline 4\n"), (10, 5, "line 10\n"), (1, 1, "line 1\n"), (11, 3, ""), (50, 1, "")],
)
def test_line_ranges(call: Call, lines: Path, start: int, count: int, expected: str) -> None:
    result = call("read_file", path="ten.txt", start_line=start, max_lines=count)
    assert result.ok and result.output == expected
    assert result.data["total_lines"] == 10


@pytest.mark.parametrize("bad", [{"start_line": 0}, {"max_lines": 0}, {"max_lines": 100_001}])
def test_out_of_range_arguments_are_refused(call: Call, lines: Path, bad: dict[str, int]) -> None:
    with pytest.raises(ArgumentError, match=next(iter(bad))):
        call("read_file", path="ten.txt", **bad)


def test_the_size_cap_reports_how_much_was_not_read(call: Call, workspace: Path) -> None:
    extra = 5000
    (workspace / "big.txt").write_bytes(b"a" * 99 + b"\n" + b"b" * (MAX_READ_BYTES - 100 + extra))
    result = call("read_file", path="big.txt")
    assert result.ok
    assert result.truncated_bytes == extra
    assert f"[truncated: file is larger than {MAX_READ_BYTES} bytes]" in result.output
    assert result.output.startswith("a" * 99 + "\n")
    assert result.output.split("\n[truncated")[0].count("b") == MAX_READ_BYTES - 100


def test_a_file_exactly_at_the_cap_is_whole(call: Call, workspace: Path) -> None:
    (workspace / "cap.txt").write_bytes(b"c" * MAX_READ_BYTES)
    result = call("read_file", path="cap.txt")
    assert result.ok and result.truncated_bytes == 0 and "truncated" not in result.output


def test_binary_files_are_not_shown(call: Call, workspace: Path) -> None:
    (workspace / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    result = call("read_file", path="image.png")
    assert not result.ok and result.output == "image.png: binary file, not shown"


def test_invalid_utf8_text_is_shown_with_replacement_characters(call: Call, workspace: Path) -> None:
    (workspace / "latin1.txt").write_bytes("café\n".encode("latin-1"))
    result = call("read_file", path="latin1.txt")
    assert result.ok and result.output == "caf\ufffd\n"


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/hostname", "link.txt", "dirlink/outside.txt"])
def test_nothing_outside_the_workspace_is_read(
    call: Call, workspace: Path, tmp_path: Path, path: str
) -> None:
    (tmp_path / "outside.txt").write_text("secret\n")
    (workspace / "link.txt").symlink_to(tmp_path / "outside.txt")
    (workspace / "dirlink").symlink_to(tmp_path)
    with pytest.raises(PathDenied, match="outside the workspace"):
        call("read_file", path=path)


def test_a_symlink_inside_the_workspace_is_followed(call: Call, lines: Path, workspace: Path) -> None:
    (workspace / "alias.txt").symlink_to("ten.txt")
    assert call("read_file", path="alias.txt", max_lines=1).output == "line 1\n"


def test_directories_fifos_and_missing_files_fail(call: Call, workspace: Path) -> None:
    (workspace / "sub").mkdir()
    os.mkfifo(workspace / "pipe")
    with pytest.raises(IsADirectoryError):
        call("read_file", path="sub")
    with pytest.raises(PathDenied, match="not a regular file"):
        call("read_file", path="pipe")  # a FIFO would block forever
    with pytest.raises(FileNotFoundError):
        call("read_file", path="missing.txt")
