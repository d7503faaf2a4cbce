"""write_file through the real plugin and jail: parents created, atomic (no temp file left, the old
content intact when a write fails midway), a diff in the result, nothing outside or protected written."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.tool_calls import Call

from vtcode.errors import PathDenied
from vtcode.events import EventBus
from vtcode.tools.call_context import CallContext
from vtcode.workspace import Jail


def _temps(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".vtcode-tmp")]


def test_creates_a_file_and_its_parents(call: Call, workspace: Path) -> None:
    result = call("write_file", path="src/pkg/new.py", content="print('hi')\n")
    assert result.ok and (workspace / "src/pkg/new.py").read_text() == "print('hi')\n"
    assert result.output.startswith("created src/pkg/new.py (12 bytes)\n")
    assert "+++ b/src/pkg/new.py" in result.output and "+print('hi')" in result.output
    assert result.data == {"created": True, "bytes": 12}
    assert _temps(workspace) == []


def test_replaces_a_file_with_a_diff_and_keeps_its_mode(call: Call, workspace: Path) -> None:
    target = workspace / "run.sh"
    target.write_text("echo one\necho two\n")
    target.chmod(0o750)
    result = call("write_file", path="run.sh", content="echo one\necho three\n")
    assert result.ok and result.data["created"] is False
    assert result.output.startswith("replaced run.sh")
    assert "-echo two\n+echo three\n" in result.output
    assert target.read_text() == "echo one\necho three\n"
    assert target.stat().st_mode & 0o777 == 0o750
    assert _temps(workspace) == []


def test_a_missing_final_newline_is_marked_in_the_diff(call: Call, workspace: Path) -> None:
    result = call("write_file", path="a.txt", content="no newline")
    assert "+no newline\n\\ No newline at end of file\n" in result.output


def test_a_file_that_is_not_utf8_can_still_be_replaced(call: Call, workspace: Path) -> None:
    (workspace / "legacy.txt").write_bytes("café\n".encode("latin-1"))
    result = call("write_file", path="legacy.txt", content="café\n")
    assert result.ok and (workspace / "legacy.txt").read_text() == "café\n"


def test_unicode_content_is_written_as_utf8(call: Call, workspace: Path) -> None:
    result = call("write_file", path="u.txt", content="日本語 ✓\n")
    assert result.ok and (workspace / "u.txt").read_bytes() == "日本語 ✓\n".encode()
    assert result.data["bytes"] == len("日本語 ✓\n".encode())


def test_a_failure_midway_leaves_the_old_content_and_no_temp_file(workspace: Path) -> None:
    # The jail's atomic write takes an iterable of chunks: the second chunk fails after the first is written.
    target = workspace / "config.ini"
    target.write_text("original\n")
    ctx = CallContext(Jail(workspace), EventBus(), "write_file")

    def chunks() -> Iterator[bytes]:
        yield b"half of the new content"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        ctx.write_bytes("config.ini", chunks())  # type: ignore[arg-type]
    assert target.read_text() == "original\n"
    assert _temps(workspace) == []


def test_the_tool_fails_cleanly_when_the_disk_fills_up(workspace: Path) -> None:
    # A real short write: RLIMIT_FSIZE makes the kernel refuse bytes past 1000 (EFBIG) in a child process.
    target = workspace / "data.txt"
    target.write_text("original\n")
    script = f"""
import resource, signal
from pathlib import Path
from vtcode.config.models import PluginsConfig
from vtcode.events import EventBus
from vtcode.plugins import load_plugins
from vtcode.tools.arguments import parse_arguments
from vtcode.tools.call_context import CallContext
from vtcode.workspace import Jail
bus = EventBus()
tool = load_plugins(PluginsConfig(), bus).registries.tools.get("write_file").obj
args = parse_arguments(tool.args_model, {{"path": "data.txt", "content": "x" * 50000}})
# The limit comes after every import: Python compiling a module under it would leave a truncated .pyc
# (it does not check a short write), breaking that module for every later process.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
try:
    tool.invoke(CallContext(Jail(Path({str(workspace)!r})), bus, "write_file"), args)
except OSError as exc:
    print("FAILED", exc.errno)
"""
    done = subprocess.run([sys.executable, "-I", "-B", "-c", script], capture_output=True, timeout=60,
                          check=False, cwd=workspace)
    assert done.stdout.decode().strip() == "FAILED 27", done.stderr.decode()  # EFBIG
    assert target.read_text() == "original\n"
    assert _temps(workspace) == []


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../escape.txt", "outside the workspace"),
        ("link/escape.txt", "outside the workspace"),
        ("dangling", "outside the workspace"),
        (".git/hooks/pre-commit", ".git"),
        (".git/config", ".git"),
        ("vtcode.toml", "vtcode"),
        (".vt-workspace-trust", "trust"),
        ("alias-of-hook", ".git"),
    ],
)
def test_nothing_outside_or_protected_is_written(
    call: Call, workspace: Path, tmp_path: Path, path: str, why: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace / "link").symlink_to(outside)
    (workspace / "dangling").symlink_to(outside / "created-through-a-dangling-link")
    (workspace / ".git/hooks").mkdir(parents=True)
    (workspace / "alias-of-hook").symlink_to(".git/hooks/pre-commit")
    before = sorted(str(p) for p in workspace.rglob("*"))
    with pytest.raises(PathDenied, match=why):
        call("write_file", path=path, content="#!/bin/sh\nevil\n")
    assert sorted(str(p) for p in workspace.rglob("*")) == before
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "escape.txt").exists()


def test_a_directory_is_not_replaced(call: Call, workspace: Path) -> None:
    (workspace / "sub").mkdir()
    (workspace / "sub" / "keep.txt").write_text("x")
    with pytest.raises(IsADirectoryError):
        call("write_file", path="sub", content="flat")
    with pytest.raises((IsADirectoryError, PathDenied)):
        call("write_file", path=".", content="flat")
    assert (workspace / "sub" / "keep.txt").read_text() == "x"


def test_a_symlink_at_the_target_is_replaced_not_followed(call: Call, workspace: Path) -> None:
    (workspace / "real.txt").write_text("real\n")
    (workspace / "alias.txt").symlink_to("real.txt")
    # The jail resolves the alias to real.txt (inside): the write lands there, atomically.
    assert call("write_file", path="alias.txt", content="new\n").ok
    assert (workspace / "real.txt").read_text() == "new\n"
    assert os.path.islink(workspace / "alias.txt")
